import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { z } from 'zod';
import { LabError, type LabErrorCode } from './errors.ts';

export interface ValidationProblem {
  /** e.g. `senders[2].tls.protocols[0]`, or `(root)` */
  path: string;
  message: string;
  /** 1-based line in the source file, when the value exists there. */
  line?: number;
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

function valueAt(data: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  return JSON.stringify(value) ?? String(value);
}

/** Turns zod issues into problems whose messages name what was expected and what was found. */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], data: unknown): ValidationProblem[] {
  const problems: ValidationProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      // The branch that got furthest into the value is the one the author meant.
      const depth = (branch: readonly z.core.$ZodIssue[]) => Math.max(...branch.map((i) => i.path.length));
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      const nested = best.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
      problems.push(...problemsFromIssues(nested as z.core.$ZodIssue[], data));
      continue;
    }
    if (issue.code === 'invalid_key') {
      const nested = issue.issues.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
      problems.push(...problemsFromIssues(nested as z.core.$ZodIssue[], data).map((p) => ({ ...p, path: formatPath(issue.path) })));
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: 'unknown key' });
      continue;
    }
    const got = valueAt(data, issue.path);
    let message = issue.message;
    if (issue.code === 'invalid_union' && /discriminator/i.test(issue.message)) {
      const options = [...issue.message.matchAll(/'([^']+)'/g)].map((m) => m[1]);
      const discriminated = issue.path.length > 0 ? got : undefined;
      message = `expected one of ${options.join(', ')}; got ${describe(discriminated)}`;
    } else if (issue.code === 'invalid_value') {
      message = `expected one of ${issue.values.map((v) => String(v)).join(', ')}; got ${describe(got)}`;
    } else if (issue.code === 'invalid_type') {
      message = got === undefined ? `required (${issue.expected})` : `expected ${issue.expected}; got ${describe(got)}`;
    }
    problems.push({ path: formatPath(issue.path), message });
  }
  return dedupe(problems);
}

function dedupe(problems: ValidationProblem[]): ValidationProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function lineOf(doc: Document, counter: LineCounter, path: string): number | undefined {
  if (path === '(root)') return undefined;
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
  for (let n = keys.length; n > 0; n--) {
    const node = doc.getIn(keys.slice(0, n), true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}

export function formatProblems(file: string, problems: readonly ValidationProblem[]): string {
  return problems
    .map((p) => `${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path}: ${p.message}`)
    .join('\n');
}

/**
 * Reads a YAML file and validates it against a schema, reporting every problem at once with its
 * path and line, as one LabError of the given code.
 */
export async function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
  code: LabErrorCode,
  displayBase = process.cwd(),
): Promise<z.output<S>> {
  const shown = relative(displayBase, file) || file;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new LabError(code, `${shown}: cannot read file (${(cause as Error).message})`, { context: { file }, cause });
  }
  return parseYamlText(text, shown, schema, code);
}

export function parseYamlText<S extends z.ZodType>(text: string, shown: string, schema: S, code: LabErrorCode): z.output<S> {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: '(yaml)',
      message: e.message.split('\n')[0] ?? e.message,
      line: counter.linePos(e.pos[0]).line,
    }));
    throw new LabError(code, formatProblems(shown, problems), { context: { file: shown, problems } });
  }
  const data: unknown = doc.toJS();
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems = problemsFromIssues(result.error.issues, data).map((p) => ({ ...p, line: lineOf(doc, counter, p.path) }));
  throw new LabError(code, formatProblems(shown, problems), { context: { file: shown, problems } });
}

/**
 * Loads a folder of data files, one item per file, whose `name` must equal the file name
 * (`*.lock.yaml` files are not items). Returned in file-name order.
 */
export async function loadNamedYamlFiles<S extends z.ZodType<{ name: string }>>(dir: string, schema: S): Promise<Map<string, z.output<S>>> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => /\.ya?ml$/.test(f) && !/\.lock\.ya?ml$/.test(f)).sort();
  const items = new Map<string, z.output<S>>();
  for (const file of files) {
    const item = await loadYamlFile(join(dir, file), schema, 'LAB_INPUT_INVALID');
    const expected = file.replace(/\.ya?ml$/, '');
    if (item.name !== expected) {
      throw new LabError('LAB_INPUT_INVALID', `${file}: name: expected "${expected}" (the file name); got "${item.name}"`);
    }
    items.set(item.name, item);
  }
  return items;
}
