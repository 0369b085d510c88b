import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { LabError } from '../errors.ts';
import { RECEIVER_FILES_DIR } from '../receiver/config-files.ts';
import type { ReceiverSpec } from '../scenario/schema.ts';
import { postfixNeeds, type PostfixNeed } from './config-needs.ts';
import { parseLookupTable, parseMainCf, parseMasterCf, type MainCfEntry } from './main-cf.ts';
import {
  DIRECTORY_PARAMETERS,
  FILE_LIST_PARAMETERS,
  FILE_PARAMETERS,
  parameterRule,
  SERVER_CERTIFICATE_PARAMETERS,
  type ParameterAction,
} from './parameter-policy.ts';

export type CertType = 'rsa' | 'ecdsa' | 'both';

/** What the lab did with one parameter of the admin's configuration, and why. */
export interface ParameterDecision {
  parameter: string;
  value: string;
  action: ParameterAction;
  /** The value the receiver runs with (rewrite), when it differs from the admin's. */
  labValue?: string;
  reason: string;
  source: string;
}

/** Versions the admin's server runs, as far as the config folder or the command line tell. */
export interface AdminVersions {
  postfix?: string;
  openssl?: string;
  /** Where each version was read, e.g. "postconf-d.txt:412". */
  evidence: string[];
}

/** An admin's configuration folder, turned into what the lab's receiver runs. */
export interface AdminConfig {
  dir: string;
  receiver: Pick<ReceiverSpec, 'mainCf' | 'masterCf' | 'certificate' | 'maps' | 'files'>;
  decisions: ParameterDecision[];
  versions: AdminVersions;
  /** The admin's main.cf as given, for the report. */
  mainCfText: string;
  masterCfText?: string;
  /** The admin's own main.cf entries after master.cf overrides of the smtp service, before the lab's decisions. */
  entries: MainCfEntry[];
  /** Settings that need a Postfix of a given version or later. */
  needs: PostfixNeed[];
}

const SYSTEM_CA = new Map([
  ['/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt'],
  ['/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/certs/ca-certificates.crt'],
  ['/etc/pki/tls/cert.pem', '/etc/ssl/certs/ca-certificates.crt'],
  ['/etc/ssl/cert.pem', '/etc/ssl/certs/ca-certificates.crt'],
  ['/etc/ssl/certs', '/etc/ssl/certs'],
  ['/etc/pki/tls/certs', '/etc/ssl/certs'],
]);

const FILE_TABLE = /\b(?:proxy:)?(hash|btree|lmdb|cdb|dbm|sdbm|texthash|cidr|pcre|regexp):(\/[^\s,]+)/g;
const SERVER_TABLE = /\b(ldap|mysql|pgsql|sqlite|tcp|socketmap|memcache|nis|nisplus|netinfo):(\S+)/;

/**
 * Reads an admin's configuration folder: main.cf (required), master.cf, and the files main.cf
 * names (certificates, keys, DH parameters, CA files, lookup tables), found in the folder by their
 * path under /etc/postfix or by their name. Parameters the lab must own are overridden or dropped
 * (see parameter-policy.ts), each decision with its reason. Every missing file is reported at once
 * as LAB_INPUT_INVALID.
 */
export async function readConfigDir(dir: string, options: { certType?: CertType } = {}): Promise<AdminConfig> {
  const root = resolve(dir);
  const files = await listFiles(root).catch((cause: unknown) => {
    throw new LabError('LAB_INPUT_INVALID', `--config ${dir}: cannot read the folder`, { cause });
  });
  if (!files.includes('main.cf')) {
    throw new LabError('LAB_INPUT_INVALID', `--config ${dir}: no main.cf in the folder. Copy your server's /etc/postfix/main.cf there (and master.cf, certificates and tables it names).`);
  }
  const mainCfText = await readFile(join(root, 'main.cf'), 'utf8');
  const masterCfText = files.includes('master.cf') ? await readFile(join(root, 'master.cf'), 'utf8') : undefined;
  const parsed = parseMainCf(mainCfText);
  const problems = parsed.problems.map((p) => `main.cf:${p.line}: ${p.message}`);
  const decisions: ParameterDecision[] = [];
  const sources = new Map<string, string>(parsed.entries.map((e) => [e.name, `main.cf:${e.line}`]));
  const entries = new Map(parsed.entries.map((e) => [e.name, e]));
  if (masterCfText !== undefined) {
    for (const override of masterOverrides(masterCfText, decisions)) {
      entries.set(override.name, { name: override.name, value: override.value, line: override.line });
      sources.set(override.name, `master.cf:${override.line} (${override.service} -o)`);
    }
  }
  const certType = options.certType ?? 'rsa';
  const receiver: AdminConfig['receiver'] = { mainCf: {}, masterCf: [], certificate: { generate: certType === 'both' ? ['rsa', 'ecdsa'] : [certType] }, maps: {}, files: {} };
  const placed = new Map<string, string>();
  const place = (relativePath: string): string => {
    const known = placed.get(relativePath);
    if (known) return known;
    let name = basename(relativePath).replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[^A-Za-z0-9]+/, 'f');
    while (Object.hasOwn(receiver.files, name)) name = `x${name}`;
    receiver.files[name] = relativePath;
    placed.set(relativePath, `${RECEIVER_FILES_DIR}/${name}`);
    return `${RECEIVER_FILES_DIR}/${name}`;
  };
  const find = (path: string) => locate(path, files);
  let ownCertificate = false;
  for (const entry of entries.values()) {
    const source = sources.get(entry.name) ?? 'main.cf';
    const rule = parameterRule(entry.name);
    const decide = (action: ParameterAction, reason: string, labValue?: string) =>
      decisions.push({ parameter: entry.name, value: entry.value, action, reason, source, ...(labValue !== undefined ? { labValue } : {}) });
    if (rule.action !== 'keep') {
      decide(rule.action, rule.reason);
      continue;
    }
    const expanded = expand(entry.value, entries);
    if (SERVER_CERTIFICATE_PARAMETERS.has(entry.name) || FILE_PARAMETERS.has(entry.name) || DIRECTORY_PARAMETERS.has(entry.name)) {
      if (expanded === '' || /^(dev|egd):/.test(expanded)) {
        receiver.mainCf[entry.name] = entry.value;
        decide('keep', 'applied as written');
        continue;
      }
      const found = find(expanded);
      if (found !== undefined && !DIRECTORY_PARAMETERS.has(entry.name)) {
        const target = place(found);
        receiver.mainCf[entry.name] = target;
        if (SERVER_CERTIFICATE_PARAMETERS.has(entry.name)) ownCertificate = true;
        decide('rewrite', `your file ${found} is copied into the receiver`, target);
        continue;
      }
      const system = SYSTEM_CA.get(expanded);
      if (system !== undefined && /CA(file|path)$/.test(entry.name)) {
        receiver.mainCf[entry.name] = system;
        decide('rewrite', 'the system CA bundle of your distribution; the image has its own', system);
        continue;
      }
      if (SERVER_CERTIFICATE_PARAMETERS.has(entry.name)) {
        decide('drop', `no ${basename(expanded)} in ${dir}: the receiver uses a generated self-signed ${certType === 'both' ? 'RSA and ECDSA' : certType.toUpperCase()} certificate instead (--cert-type)`);
        continue;
      }
      if (/CApath$/.test(entry.name)) {
        decide('drop', `${expanded} is a directory on your server; the lab senders present no client certificates, so the receiver runs without it`);
        continue;
      }
      problems.push(`${source}: ${entry.name} = ${entry.value}: no file ${basename(expanded)} in ${dir} (looked for ${candidates(expanded).join(' and ')}). Copy the file into the folder, or remove the parameter to test with Postfix's default.`);
      continue;
    }
    if (FILE_LIST_PARAMETERS.has(entry.name)) {
      const rewritten: string[] = [];
      for (const item of expanded.split(/[\s,]+/).filter(Boolean)) {
        const found = find(item);
        if (found === undefined) problems.push(`${source}: ${entry.name}: no file ${basename(item)} in ${dir} (looked for ${candidates(item).join(' and ')}). Copy it into the folder, or remove the parameter.`);
        else rewritten.push(place(found));
      }
      receiver.mainCf[entry.name] = rewritten.join(', ');
      ownCertificate = true;
      decide('rewrite', 'your files are copied into the receiver', receiver.mainCf[entry.name]);
      continue;
    }
    const server = SERVER_TABLE.exec(expanded);
    if (server) {
      problems.push(`${source}: ${entry.name} = ${entry.value}: the lookup table ${server[0]} needs a server that the lab does not have. Export the table to a file (postmap -s, or a hash: table) in ${dir} and point ${entry.name} at it, or remove the parameter.`);
      continue;
    }
    let labValue = entry.value;
    let tableProblem = false;
    const notes: string[] = [];
    for (const match of expand(entry.value, entries).matchAll(FILE_TABLE)) {
      const [whole, type = '', path = ''] = match;
      const found = find(path);
      if (found === undefined) {
        problems.push(`${source}: ${entry.name}: the table ${type}:${path} is not in ${dir} (looked for ${candidates(path).join(' and ')}). Copy the table's source file (not the .db) into the folder, or remove the parameter.`);
        tableProblem = true;
        continue;
      }
      const labType = type === 'cidr' || type === 'regexp' ? type : type === 'pcre' ? 'regexp' : 'hash';
      let name = basename(found).replace(/[^a-z0-9_.-]/gi, '_').toLowerCase().replace(/^[^a-z0-9]+/, 'm');
      if (labType === 'cidr' && !name.endsWith('.cidr')) name += '.cidr';
      if (labType === 'regexp' && !name.endsWith('.regexp')) name += '.regexp';
      if (labType === 'hash') name = name.replace(/\.(cidr|pcre|regexp)$/, '_$1');
      receiver.maps[name] = parseLookupTable(await readFile(join(root, found), 'utf8'), labType === 'regexp');
      labValue = labValue.split(whole).join(`${labType}:/etc/postfix/${name}`);
      if (labType !== type) notes.push(`${type}: read as ${labType}: (the image ${type === 'pcre' ? 'has no pcre module; simple patterns behave the same' : `indexes tables with ${labType}`})`);
    }
    if (tableProblem) continue;
    receiver.mainCf[entry.name] = labValue;
    if (labValue !== entry.value) decide('rewrite', ['your table is copied into the receiver', ...notes].join('; '), labValue);
    else decide('keep', 'applied as written');
  }
  if (ownCertificate) receiver.certificate = { generate: ['rsa'] };
  if (problems.length > 0) {
    throw new LabError('LAB_INPUT_INVALID', `${dir}: the configuration cannot run in the lab as it is:\n${problems.map((p) => `  ${p}`).join('\n')}`, { context: { problems } });
  }
  const needs = postfixNeeds([...entries.values()].map((e) => ({ name: e.name, value: e.value, source: sources.get(e.name) ?? 'main.cf' })));
  return { dir: root, receiver, decisions, versions: await versionsInDir(root, files), mainCfText, ...(masterCfText !== undefined ? { masterCfText } : {}), entries: [...entries.values()], needs };
}

/** `$name` and `${name}` expanded from the admin's own main.cf, for finding files; config_directory is /etc/postfix. */
function expand(value: string, entries: ReadonlyMap<string, MainCfEntry>, depth = 0): string {
  if (depth > 5) return value;
  return value.replace(/\$(?:\{(\w+)\}|\((\w+)\)|(\w+))/g, (whole, a?: string, b?: string, c?: string) => {
    const name = a ?? b ?? c ?? '';
    const entry = entries.get(name);
    if (entry) return expand(entry.value, entries, depth + 1);
    if (name === 'config_directory') return '/etc/postfix';
    return whole;
  });
}

/** Where a path of the admin's server may be in the folder: its place under /etc/postfix, then its name. */
function candidates(path: string): string[] {
  const underPostfix = path.startsWith('/etc/postfix/') ? path.slice('/etc/postfix/'.length) : undefined;
  return [...new Set([underPostfix, basename(path)].filter((p): p is string => p !== undefined && p !== ''))];
}

function locate(path: string, files: readonly string[]): string | undefined {
  return candidates(path).find((c) => files.includes(c));
}

async function listFiles(root: string, under = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, under), { withFileTypes: true })) {
    const rel = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/**
 * The server's versions, read from any text file in the folder: `mail_version = X` (from
 * `postconf -d` or `postconf mail_version`) and `OpenSSL X` (from `openssl version`).
 */
async function versionsInDir(root: string, files: readonly string[]): Promise<AdminVersions> {
  const versions: AdminVersions = { evidence: [] };
  for (const file of files) {
    if (file === 'main.cf' || file === 'master.cf') continue;
    const path = join(root, file);
    if ((await stat(path)).size > 2_000_000) continue;
    const text = await readFile(path, 'utf8');
    if (text.includes('-----BEGIN')) continue;
    text.split(/\r?\n/).forEach((line, index) => {
      const mail = /^\s*mail_version\s*=\s*(\d[\w.-]*)/.exec(line);
      if (mail && versions.postfix === undefined) {
        versions.postfix = mail[1]!;
        versions.evidence.push(`${relative(root, path)}:${index + 1}: ${line.trim()}`);
      }
      const openssl = /\bOpenSSL\s+(\d+\.\d+\.\d+[a-z]*)/.exec(line);
      if (openssl && versions.openssl === undefined) {
        versions.openssl = openssl[1]!;
        versions.evidence.push(`${relative(root, path)}:${index + 1}: ${line.trim()}`);
      }
    });
  }
  return versions;
}

/**
 * The smtp service's `-o` overrides from master.cf, applied as if they were in main.cf (the lab's
 * receiver is that smtpd). Every other service is reported and not run.
 */
function masterOverrides(text: string, decisions: ParameterDecision[]): { name: string; value: string; line: number; service: string }[] {
  const services = parseMasterCf(text);
  const smtpInet = services.find((s) => s.service === 'smtp' && s.type === 'inet');
  const inbound = smtpInet?.command === 'postscreen' ? services.find((s) => s.service === 'smtpd' && s.type === 'pass') : smtpInet;
  const outbound = services.find((s) => s.service === 'smtp' && s.type === 'unix' && s.command === 'smtp');
  if (smtpInet?.command === 'postscreen') {
    decisions.push({ parameter: 'master.cf smtp inet', value: smtpInet.text, action: 'override', reason: 'postscreen in front of smtpd: the lab runs smtpd directly on port 25 (TLS is smtpd\'s, postscreen only passes the connection); the smtpd pass entry\'s -o options apply', source: `master.cf:${smtpInet.line}` });
  }
  const ignored = services.filter((s) => s.type === 'inet' && s !== smtpInet);
  if (ignored.length > 0) {
    decisions.push({
      parameter: 'master.cf services',
      value: ignored.map((s) => `${s.service}/${s.type}`).join(', '),
      action: 'drop',
      reason: 'only port 25 (smtp inet) is tested; other listeners keep their own -o settings and are not run in the lab',
      source: 'master.cf',
    });
  }
  return [inbound, outbound].flatMap((entry) => (entry ? entry.overrides.map((o) => ({ ...o, line: entry.line, service: `${entry.service}/${entry.type}` })) : []));
}
