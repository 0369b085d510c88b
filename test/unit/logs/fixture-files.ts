import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The repo's own copies; the tests never need `shared/`. */
export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/logs');
/** The originals, present when the repo is cloned beside `shared/`. */
export const SHARED_FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

export function fixtureLines(name: string): string[] {
  return readFileSync(fixturePath(name), 'utf8').split('\n').filter((line) => line !== '');
}

export function sharedFixture(name: string): string | undefined {
  const file = path.join(SHARED_FIXTURES, name);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}
