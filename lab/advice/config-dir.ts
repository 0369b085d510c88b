import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { SYSTEM_CA_BUNDLE, SYSTEM_CA_DIRECTORY } from '../certificates/lab-ca.ts';
import { LabError } from '../errors.ts';
import { serverHints } from '../logs/hints.ts';
import type { LogHints } from '../logs/types.ts';
import { RECEIVER_FILES_DIR } from '../receiver/config-files.ts';
import type { ReceiverSpec } from '../scenario/schema.ts';
import { servicePort } from '../scenario/services.ts';
import { checkCertificate, type CertificateCheck } from './certificate-check.ts';
import { postfixNeeds, type PostfixNeed } from './config-needs.ts';
import { expandParameters, parseLookupTable, parseMainCf, parseMasterCf, type MainCfEntry, type MasterCfEntry } from '../postfix-config/main-cf.ts';
import { unusedSettings, type UnusedSetting } from '../postfix-config/unused-settings.ts';
import {
  DH_PARAMETER_FILES,
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
  /** master.cf's other smtpd listeners (smtps, submission): validate serves them all, reproduce those the log's failures are on. */
  listeners: Listener[];
  /** The admin's own server certificate, when the folder holds it, as verifying clients see it. */
  certificate?: CertificateCheck;
  /** TLS settings of main.cf and master.cf that no Postfix process reads at the security levels configured. */
  unusedSettings: UnusedSetting[];
}

/** An smtpd listener of master.cf besides port 25, with its `-o` settings as the lab would run them. */
export interface Listener {
  /** The master.cf service field: `smtps`, `submission`, `127.0.0.1:2525`. */
  service: string;
  port: number;
  /** The tag of its sessions in the log (`postfix/smtps`): its syslog_name, or main.cf's. */
  syslogName: string;
  /** TLS at once (smtpd_tls_wrappermode = yes): TLS is enforced, and the mandatory protocols and ciphers apply. */
  wrapper: boolean;
  /** Its -o settings as the receiver runs them (files copied, what the lab cannot run dropped; see `decisions`). */
  overrides: Record<string, string>;
  /** `master.cf:12` */
  source: string;
  decisions: ParameterDecision[];
  /** What keeps it from running in the lab: a file that one of its settings names is missing. */
  problems: string[];
  /** Its own certificate (-o smtpd_tls_cert_file or smtpd_tls_chain_files), as verifying clients see it. */
  certificate?: CertificateCheck;
}

const SYSTEM_CA = new Map([
  [SYSTEM_CA_BUNDLE, SYSTEM_CA_BUNDLE],
  ['/etc/pki/tls/certs/ca-bundle.crt', SYSTEM_CA_BUNDLE],
  ['/etc/pki/tls/cert.pem', SYSTEM_CA_BUNDLE],
  ['/etc/ssl/cert.pem', SYSTEM_CA_BUNDLE],
  [SYSTEM_CA_DIRECTORY, SYSTEM_CA_DIRECTORY],
  ['/etc/pki/tls/certs', SYSTEM_CA_DIRECTORY],
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
  const files = await listFiles(root).catch(async (cause: unknown) => {
    const file = await stat(root).then((info) => info.isFile(), () => false);
    throw new LabError('LAB_INPUT_INVALID', file
      ? `--config ${dir}: a file; give the folder that holds main.cf (with master.cf, and the certificates and tables main.cf names)`
      : `--config ${dir}: cannot read the folder`, { cause, context: { path: root } });
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
  /**
   * One setting of the admin's, as the receiver runs it: the lab's value, or undefined when it is dropped; every
   * decision and problem is recorded.
   */
  const adopt = async (entry: MainCfEntry, source: string, decisions: ParameterDecision[], problems: string[]): Promise<string | undefined> => {
    const rule = parameterRule(entry.name);
    const decide = (action: ParameterAction, reason: string, labValue?: string) =>
      decisions.push({ parameter: entry.name, value: entry.value, action, reason, source, ...(labValue !== undefined ? { labValue } : {}) });
    if (rule.action !== 'keep') {
      decide(rule.action, rule.reason);
      return undefined;
    }
    const expanded = expand(entry.value, entries);
    if (TLS_LOGLEVELS.has(entry.name) && !(Number.parseInt(expanded, 10) >= 1)) {
      decide('rewrite', 'the lab reads each session\'s TLS result from the log, and level 0 logs no "TLS connection established" line; the level changes no handshake', '1');
      return '1';
    }
    if (SERVER_CERTIFICATE_PARAMETERS.has(entry.name) || FILE_PARAMETERS.has(entry.name) || DIRECTORY_PARAMETERS.has(entry.name)) {
      if (expanded === '' || /^(dev|egd):/.test(expanded)) {
        decide('keep', 'applied as written');
        return entry.value;
      }
      const found = find(expanded);
      if (found !== undefined && !DIRECTORY_PARAMETERS.has(entry.name)) {
        const target = place(found);
        if (SERVER_CERTIFICATE_PARAMETERS.has(entry.name)) ownCertificate = true;
        decide('rewrite', `your file ${found} is copied into the receiver`, target);
        return target;
      }
      const system = SYSTEM_CA.get(expanded);
      if (system !== undefined && /CA(file|path)$/.test(entry.name)) {
        decide('rewrite', 'the system CA bundle of your distribution; the image has its own', system);
        return system;
      }
      if (SERVER_CERTIFICATE_PARAMETERS.has(entry.name)) {
        decide('drop', `no ${basename(expanded)} in ${dir}: the receiver uses a generated self-signed ${certType === 'both' ? 'RSA and ECDSA' : certType.toUpperCase()} certificate instead (--cert-type)`);
        return undefined;
      }
      if (DH_PARAMETER_FILES.has(entry.name)) {
        decide('drop', `no ${basename(expanded)} in ${dir}: the receiver uses Postfix's built-in DH group, as Postfix does when it cannot read the file. ` +
          'Only DHE cipher suites depend on it: if your group is smaller or larger than the built-in one, copy the file into the folder to test with it');
        return undefined;
      }
      if (/CApath$/.test(entry.name)) {
        decide('drop', `${expanded} is a directory on your server; the lab senders present no client certificates, so the receiver runs without it`);
        return undefined;
      }
      problems.push(`${source}: ${entry.name} = ${entry.value}: no file ${basename(expanded)} in ${dir} (looked for ${candidates(expanded).join(' and ')}). Copy the file into the folder, or remove the parameter to test with Postfix's default.`);
      return undefined;
    }
    if (FILE_LIST_PARAMETERS.has(entry.name)) {
      const rewritten: string[] = [];
      for (const item of expanded.split(/[\s,]+/).filter(Boolean)) {
        const found = find(item);
        if (found === undefined) problems.push(`${source}: ${entry.name}: no file ${basename(item)} in ${dir} (looked for ${candidates(item).join(' and ')}). Copy it into the folder, or remove the parameter.`);
        else rewritten.push(place(found));
      }
      ownCertificate = true;
      decide('rewrite', 'your files are copied into the receiver', rewritten.join(', '));
      return rewritten.join(', ');
    }
    const server = SERVER_TABLE.exec(expanded);
    if (server) {
      problems.push(`${source}: ${entry.name} = ${entry.value}: the lookup table ${server[0]} needs a server that the lab does not have. Export the table to a file (postmap -s, or a hash: table) in ${dir} and point ${entry.name} at it, or remove the parameter.`);
      return undefined;
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
    if (tableProblem) return undefined;
    if (labValue !== entry.value) decide('rewrite', ['your table is copied into the receiver', ...notes].join('; '), labValue);
    else decide('keep', 'applied as written');
    return labValue;
  };
  for (const entry of entries.values()) {
    const value = await adopt(entry, sources.get(entry.name) ?? 'main.cf', decisions, problems);
    if (value !== undefined) receiver.mainCf[entry.name] = value;
  }
  for (const { level, legacy, without } of TLS_LEVELS) {
    if (entries.has(level)) continue;
    if (legacy.some((name) => entries.has(name))) {
      // The lab's receivers take TLS at level may unless told otherwise, which would outrank the legacy settings.
      receiver.mainCf[level] = '';
      decisions.push({
        parameter: level, value: '', action: 'override', labValue: '', source: 'Postfix default',
        reason: `not in your main.cf, so empty as on your server (Postfix's default): ${legacy.join(' and ')} decide`,
      });
    } else {
      decisions.push({
        parameter: level, value: '', action: 'override', labValue: 'may', source: 'lab default',
        reason: `not in your main.cf, nor ${legacy.join(' or ')}: the lab runs may, as Debian's main.cf sets it; if your whole main.cf has none of them, ${without} (Postfix's default), so set it there to test that`,
      });
    }
  }
  if (ownCertificate) receiver.certificate = { generate: ['rsa'] };
  const listeners: Listener[] = [];
  const mainSyslogName = entries.get('syslog_name')?.value ?? 'postfix';
  for (const entry of masterCfText === undefined ? [] : listenerEntries(masterCfText)) {
    const listener: Listener = {
      service: entry.service, port: entry.port, syslogName: mainSyslogName, wrapper: false, overrides: {}, source: `master.cf:${entry.line}`, decisions: [], problems: [],
    };
    for (const option of entry.overrides) {
      if (option.name === 'syslog_name') {
        listener.syslogName = option.value.replace(/\$\{?service_name\}?/g, entry.service);
        continue;
      }
      const source = `master.cf:${entry.line} (${entry.service} -o)`;
      if (!LISTENER_TLS.test(option.name)) {
        listener.decisions.push({ parameter: option.name, value: option.value, action: 'drop', reason: 'not a TLS setting: the lab runs this listener with its TLS settings alone', source });
        continue;
      }
      const value = await adopt({ ...option, line: entry.line }, source, listener.decisions, listener.problems);
      if (value !== undefined) listener.overrides[option.name] = value;
    }
    listener.wrapper = /^(yes|true|1)$/i.test(listener.overrides.smtpd_tls_wrappermode ?? '');
    const own = new Map(entry.overrides.map((option) => [option.name, option.value]));
    if (own.has('smtpd_tls_cert_file') || own.has('smtpd_tls_chain_files')) {
      const certificate = await checkOwnCertificate(root, (name) => own.get(name) ?? (name === 'myhostname' ? entries.get(name)?.value : undefined), entries, find);
      if (certificate !== undefined) listener.certificate = certificate;
    }
    listeners.push(listener);
  }
  tlsproxyService(masterCfText, entries, receiver, decisions);
  if (problems.length > 0) {
    throw new LabError('LAB_INPUT_INVALID', `${dir}: the configuration cannot run in the lab as it is:\n${problems.map((p) => `  ${p}`).join('\n')}`, { context: { problems } });
  }
  const needs = postfixNeeds([...entries.values()].map((e) => ({ name: e.name, value: e.value, source: sources.get(e.name) ?? 'main.cf' })));
  const certificate = await checkOwnCertificate(root, (name) => entries.get(name)?.value, entries, find);
  return {
    dir: root, receiver, decisions, versions: await versionsInDir(root, files), mainCfText, ...(masterCfText !== undefined ? { masterCfText } : {}), entries: [...entries.values()], needs,
    listeners, ...(certificate === undefined ? {} : { certificate }), unusedSettings: unusedSettings(mainCfText, masterCfText),
  };
}

/** The TLS log levels: the receiver runs at 1 at least, as its outcomes are read from its log. */
const TLS_LOGLEVELS = new Set(['smtpd_tls_loglevel', 'smtp_tls_loglevel', 'lmtp_tls_loglevel']);

/** The TLS security levels, the legacy settings that decide when they are empty, and what is left without either. */
const TLS_LEVELS: readonly { level: string; legacy: readonly string[]; without: string }[] = [
  { level: 'smtpd_tls_security_level', legacy: ['smtpd_use_tls', 'smtpd_enforce_tls'], without: 'this server offers no STARTTLS' },
  { level: 'smtp_tls_security_level', legacy: ['smtp_use_tls', 'smtp_enforce_tls'], without: 'the smtp client sends without TLS' },
];

/**
 * The certificate the server (or a listener) presents first, checked as verifying clients check it:
 * smtpd_tls_chain_files when set (Postfix then ignores the others), else smtpd_tls_cert_file; myhostname is the
 * name it should carry. `value` gives the parameters as that server or listener has them.
 */
async function checkOwnCertificate(
  root: string, value: (name: string) => string | undefined, entries: ReadonlyMap<string, MainCfEntry>, find: (path: string) => string | undefined,
): Promise<CertificateCheck | undefined> {
  const paths = (name: string) => expand(value(name) ?? '', entries).split(/[\s,]+/).filter(Boolean);
  const chain = paths('smtpd_tls_chain_files');
  const found = (chain.length > 0 ? chain : paths('smtpd_tls_cert_file')).flatMap((path) => find(path) ?? []);
  if (found.length === 0) return undefined;
  const texts = await Promise.all(found.map(async (file) => ({ file, text: await readFile(join(root, file), 'utf8') })));
  const hostname = expand(value('myhostname') ?? '', entries);
  return checkCertificate(texts, { now: new Date(), hostnames: /^[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/.test(hostname) ? [hostname] : [] });
}

/** `$name` and `${name}` expanded from the admin's own main.cf, for finding files; config_directory is /etc/postfix. */
function expand(value: string, entries: ReadonlyMap<string, MainCfEntry>): string {
  return expandParameters(value, (name) => entries.get(name)?.value ?? (name === 'config_directory' ? '/etc/postfix' : undefined)).text;
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
 * receiver is that smtpd). The other smtpd listeners are reported as served (see `listenerEntries`),
 * every other inet service as not run.
 */
function masterOverrides(text: string, decisions: ParameterDecision[]): { name: string; value: string; line: number; service: string }[] {
  const services = parseMasterCf(text);
  const smtpInet = services.find((s) => s.service === 'smtp' && s.type === 'inet');
  const inbound = smtpInet?.command === 'postscreen' ? services.find((s) => s.service === 'smtpd' && s.type === 'pass') : smtpInet;
  const outbound = services.find((s) => s.service === 'smtp' && s.type === 'unix' && s.command === 'smtp');
  if (smtpInet?.command === 'postscreen') {
    decisions.push({ parameter: 'master.cf smtp inet', value: smtpInet.text, action: 'override', reason: 'postscreen in front of smtpd: the lab runs smtpd directly on port 25 (TLS is smtpd\'s, postscreen only passes the connection); the smtpd pass entry\'s -o options apply', source: `master.cf:${smtpInet.line}` });
  }
  const listeners = new Set(listenerEntries(text).map((l) => l.line));
  const groups: [ParameterDecision, MasterCfEntry[]][] = [
    [{
      parameter: 'master.cf listeners', value: '', action: 'keep', source: 'master.cf',
      reason: 'served on its port with its TLS -o settings: validate sends the one-shot clients of the population there too, reproduce the hypotheses of the failures logged on it',
    }, services.filter((s) => listeners.has(s.line))],
    [{ parameter: 'master.cf services', value: '', action: 'drop', source: 'master.cf', reason: 'not an smtpd listener that outside peers reach on a known port: not run in the lab' },
      services.filter((s) => s.type === 'inet' && s !== smtpInet && !listeners.has(s.line))],
  ];
  for (const [decision, entries] of groups) {
    if (entries.length > 0) decisions.push({ ...decision, value: entries.map((s) => `${s.service}/${s.type}`).join(', ') });
  }
  return [inbound, outbound].flatMap((entry) => (entry ? entry.overrides.map((o) => ({ ...o, line: entry.line, service: `${entry.service}/${entry.type}` })) : []));
}

/**
 * smtp_tls_connection_reuse = yes makes the smtp client's TLS connections through tlsproxy, which the lab's receiver
 * (Debian's master.cf) has commented out: the admin's master.cf decides whether the receiver runs it.
 */
function tlsproxyService(masterCfText: string | undefined, entries: ReadonlyMap<string, MainCfEntry>, receiver: AdminConfig['receiver'], decisions: ParameterDecision[]): void {
  const proxy = masterCfText === undefined ? undefined : parseMasterCf(masterCfText).find((s) => s.service === 'tlsproxy' && s.type === 'unix' && s.command === 'tlsproxy');
  if (proxy !== undefined) {
    receiver.masterCf.push('tlsproxy unix - - y - 0 tlsproxy');
    decisions.push({ parameter: 'master.cf tlsproxy', value: proxy.text, action: 'keep', reason: 'run as Debian ships it (chrooted): smtp_tls_connection_reuse makes the smtp client\'s TLS connections through it', source: `master.cf:${proxy.line}` });
    return;
  }
  const reuse = entries.get('smtp_tls_connection_reuse');
  if (masterCfText === undefined && reuse !== undefined && /^yes$/i.test(reuse.value.trim())) {
    decisions.push({
      parameter: 'master.cf tlsproxy', value: '', action: 'drop', source: `main.cf:${reuse.line}`,
      reason: 'smtp_tls_connection_reuse = yes needs a tlsproxy service in master.cf; without your master.cf the receiver runs Debian\'s, which has none, so every outbound TLS attempt fails as "no tlsproxy service". Add master.cf to the folder',
    });
  }
}

/** The -o settings of a listener that decide its TLS; the rest (SASL, restrictions, milters) is left out. */
const LISTENER_TLS = /^(smtpd_tls_|tls_|smtpd_use_tls$|smtpd_enforce_tls$|smtpd_starttls_timeout$|smtpd_discard_ehlo_keyword)/;

/** A service bound to the loopback address (a content filter's re-injection port): no outside peer reaches it. */
const LOOPBACK = /^(127\.|\[::1\]:|localhost:)/;

/** master.cf's smtpd services that outside peers reach, on a port other than 25 (which the lab's receiver is). */
function listenerEntries(text: string): (MasterCfEntry & { port: number })[] {
  return parseMasterCf(text).flatMap((entry) => {
    const port = servicePort(entry.service);
    return entry.type === 'inet' && entry.command === 'smtpd' && port !== undefined && port !== 25 && !LOOPBACK.test(entry.service) ? [{ ...entry, port }] : [];
  });
}

/**
 * What the admin's folder tells of the server that wrote the log: its versions, and the STARTTLS timeouts main.cf
 * sets (of the port-25 listener for smtpd), by which Postfix 2.6-2.8's bare `-1` is told a timeout.
 */
export function logHintsOf(config: AdminConfig): LogHints {
  return serverHints(config.versions, (name) => config.entries.find((e) => e.name === name)?.value);
}
