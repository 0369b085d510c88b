/** One `name = value` of a Postfix configuration file, with the line it starts on (1-based). */
export interface MainCfEntry {
  name: string;
  value: string;
  line: number;
}

/** A problem in a configuration file, with its line. */
export interface ConfigProblem {
  line: number;
  message: string;
}

/**
 * Reads main.cf the way Postfix does: a line whose first non-space character is `#` is a comment,
 * an empty line ends nothing, a line that starts with whitespace continues the previous one, and
 * a later setting of a parameter wins. `$name` references are kept for Postfix to expand.
 */
export function parseMainCf(text: string): { entries: MainCfEntry[]; problems: ConfigProblem[] } {
  const logical = logicalLines(text);
  const entries = new Map<string, MainCfEntry>();
  const problems: ConfigProblem[] = [];
  for (const { text: line, line: number } of logical) {
    const match = /^([A-Za-z0-9_.-]+)\s*=\s*(.*)$/s.exec(line);
    if (!match) {
      problems.push({ line: number, message: `not a "name = value" line: ${line.slice(0, 80)}` });
      continue;
    }
    const name = match[1]!;
    entries.delete(name);
    entries.set(name, { name, value: match[2]!.trim(), line: number });
  }
  return { entries: [...entries.values()], problems };
}

/** `$name`, `${name}` and `$(name)`, and the conditional forms `${name?value}` and `${name:value}`. */
const REFERENCE = /\$(?:\{(\w+)([^}]*)\}|\((\w+)([^)]*)\)|(\w+))/g;

/** The parameters a value refers to, in any form. */
export function parameterReferences(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((m) => (m[1] ?? m[3] ?? m[5]) as string);
}

/**
 * A value with its plain references replaced by what `lookup` gives, recursively. A reference `lookup` does not
 * know, or a conditional one, stays as written, and the result is then not `complete`.
 */
export function expandParameters(value: string, lookup: (name: string) => string | undefined, depth = 0): { text: string; complete: boolean } {
  let complete = true;
  const text = value.replace(REFERENCE, (whole: string, braced?: string, bracedRest?: string, parenthesised?: string, parenthesisedRest?: string, bare?: string) => {
    const name = (braced ?? parenthesised ?? bare) as string;
    const found = (bracedRest ?? parenthesisedRest ?? '') === '' && depth < 8 ? lookup(name) : undefined;
    if (found === undefined) {
      complete = false;
      return whole;
    }
    const inner = expandParameters(found, lookup, depth + 1);
    complete &&= inner.complete;
    return inner.text;
  });
  return { text, complete };
}

/** Joins continuation lines and drops comments and blank lines; shared by main.cf, master.cf and tables. */
export function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*#/.test(raw) || raw.trim() === '') return;
    const last = out.at(-1);
    if (/^\s/.test(raw) && last) {
      last.text = `${last.text} ${raw.trim()}`;
      return;
    }
    out.push({ text: raw.trim(), line: index + 1 });
  });
  return out;
}

/** One master.cf service: name, type and command with its `-o name=value` overrides. */
export interface MasterCfEntry {
  service: string;
  type: string;
  command: string;
  overrides: { name: string; value: string }[];
  line: number;
  text: string;
}

/** A master.cf line's fields: split at whitespace, except inside `{ }`, which Postfix 3.0 and later allow around a value with spaces. */
function masterFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let depth = 0;
  for (const c of line) {
    if (depth === 0 && /\s/.test(c)) {
      if (field !== '') fields.push(field);
      field = '';
      continue;
    }
    if (c === '{') depth += 1;
    else if (c === '}') depth = Math.max(0, depth - 1);
    field += c;
  }
  if (field !== '') fields.push(field);
  return fields;
}

/** `-o name=value`, `-o name={ value }` or `-o { name = value }`. */
function masterOption(option: string): { name: string; value: string } | undefined {
  const braced = /^\{(.*)\}$/s.exec(option);
  const text = braced === null ? option : (braced[1] as string).trim();
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  return { name: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim().replace(/^\{\s*|\s*\}$/g, '') };
}

export function parseMasterCf(text: string): MasterCfEntry[] {
  return logicalLines(text).flatMap(({ text: line, line: number }) => {
    const fields = masterFields(line);
    if (fields.length < 8) return [];
    const overrides: MasterCfEntry['overrides'] = [];
    for (let i = 8; i < fields.length; i += 1) {
      if (fields[i] !== '-o') continue;
      const option = masterOption(fields[i + 1] ?? '');
      if (option !== undefined) overrides.push(option);
      i += 1;
    }
    return [{ service: fields[0]!, type: fields[1]!, command: fields[7]!, overrides, line: number, text: line }];
  });
}

/** A lookup table's `key value` pairs (comments and continuation lines handled like main.cf). */
export function parseLookupTable(text: string, regexpLike: boolean): Record<string, string> {
  const table: Record<string, string> = {};
  for (const { text: line } of logicalLines(text)) {
    if (regexpLike) {
      const match = /^(\/(?:\\.|[^/])*\/[a-zA-Z]*|!?\/(?:\\.|[^/])*\/[a-zA-Z]*|if\b.*|endif\b.*)\s*(.*)$/.exec(line);
      if (match) table[match[1]!] = match[2]!;
      continue;
    }
    const match = /^(\S+)\s*(.*)$/.exec(line);
    if (match) table[match[1]!] = match[2]!;
  }
  return table;
}
