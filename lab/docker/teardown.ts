/**
 * Undo actions registered as resources are created, run in reverse order, always all of them:
 * one failing teardown does not stop the others.
 */
export class Teardown {
  private readonly steps: { what: string; undo: () => Promise<void> }[] = [];

  add(what: string, undo: () => Promise<void>): void {
    this.steps.push({ what, undo });
  }

  async run(): Promise<Error[]> {
    const errors: Error[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (error) {
        errors.push(new Error(`teardown of ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`));
      }
    }
    return errors;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.run();
  }
}
