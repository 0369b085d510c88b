import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/logs');

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

export function fixtureLines(name: string): string[] {
  return readFileSync(fixturePath(name), 'utf8').split('\n').filter((line) => line !== '');
}
