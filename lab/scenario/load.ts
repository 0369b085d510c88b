import { dirname, relative, resolve } from 'node:path';
import { loadSenderProfiles, resolveSenders } from '../senders/profiles.ts';
import { LabError } from '../errors.ts';
import { formatProblems, loadYamlFile, problemsFromIssues } from '../validation.ts';
import { scenarioSchema, type Scenario, type ScenarioInput } from './schema.ts';

/** A scenario together with where it came from, so relative paths (certificates) resolve. */
export interface LoadedScenario {
  scenario: Scenario;
  file?: string;
  dir: string;
}

/** Reads and validates a scenario file; every problem is reported at once as LAB_SCENARIO_INVALID. */
export async function loadScenarioFile(file: string, cwd = process.cwd()): Promise<LoadedScenario> {
  const path = resolve(cwd, file);
  const scenario = await loadYamlFile(path, scenarioSchema, 'LAB_SCENARIO_INVALID', cwd);
  // Unknown profiles are reported now, with the file's other problems, not when the run starts.
  resolveSenders(scenario, await loadSenderProfiles(), relative(cwd, path) || path);
  return { scenario, file: path, dir: dirname(path) };
}

/**
 * Declares a scenario in TypeScript with the same model and validation as the YAML files.
 * Throws LAB_SCENARIO_INVALID listing every problem.
 */
export function defineScenario(input: ScenarioInput, label = input.name ?? 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = problemsFromIssues(result.error.issues, input);
  throw new LabError('LAB_SCENARIO_INVALID', formatProblems(label, problems), { context: { problems } });
}
