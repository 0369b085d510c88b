import { expandParameters, parameterReferences, parseMainCf, parseMasterCf, type MasterCfEntry } from './main-cf.ts';

/**
 * TLS settings that Postfix never reads with the configuration they are in. smtpd reads smtpd_tls_protocols,
 * smtpd_tls_ciphers and smtpd_tls_exclude_ciphers at level may; where it requires TLS (level encrypt, the legacy
 * smtpd_enforce_tls, or wrapper mode) it reads smtpd_tls_mandatory_protocols, smtpd_tls_mandatory_ciphers,
 * smtpd_tls_exclude_ciphers and smtpd_tls_mandatory_exclude_ciphers instead (smtpd.c, pre_jail_init and
 * tls_server_start). The smtp client does the same with its own parameters: the opportunistic ones at level may,
 * the mandatory ones at encrypt and above (smtp_tls_policy.c, policy_create and set_cipher_grade). An admin who
 * tightens the parameter of the other level changes nothing, and believes otherwise.
 */
export interface UnusedSetting {
  parameter: string;
  value: string;
  /** `main.cf:12`, or `master.cf:30 (submission -o)`. */
  source: string;
  /** The file and line it is set on (of master.cf, the service's first line). */
  file: 'main.cf' | 'master.cf';
  line: number;
  /** Why no Postfix process reads it, and what they read instead. */
  reason: string;
}

type Level = 'none' | 'may' | 'required' | 'unknown';
type Params = ReadonlyMap<string, { value: string; line: number }>;

/** One Postfix service with its own parameter values: an smtpd listener, tlsproxy, or an smtp client transport. */
interface Process {
  /** `smtp/inet (master.cf:12)`; `port 25` or `the smtp transport` when master.cf does not list it. */
  label: string;
  overrides: Params;
  level: Level;
  /** How the level was decided: `smtpd_tls_security_level = encrypt`. */
  levelFrom: string;
  /** The level parameter (or wrapper mode) decided it, so that the legacy booleans are not read. */
  byLevel: boolean;
  service?: string;
}

interface Side {
  /** `smtpd` or `smtp client`. */
  who: string;
  opportunistic: Record<string, string>;
  mandatory: Record<string, string>;
  both: readonly string[];
  levelParameter: string;
  enforce: string;
  use: string;
  /** The levels at which it requires TLS; any other than none and may depends on more than the configuration. */
  required: ReadonlySet<string>;
  /** The master.cf commands of its processes. */
  commands: readonly string[];
  /** The type of its main master.cf service, named smtp, and what to call it without master.cf. */
  mainType: 'inet' | 'unix';
  mainLabel: string;
}

const SMTPD: Side = {
  who: 'smtpd',
  opportunistic: { smtpd_tls_protocols: 'smtpd_tls_mandatory_protocols', smtpd_tls_ciphers: 'smtpd_tls_mandatory_ciphers' },
  mandatory: {
    smtpd_tls_mandatory_protocols: 'smtpd_tls_protocols', smtpd_tls_mandatory_ciphers: 'smtpd_tls_ciphers', smtpd_tls_mandatory_exclude_ciphers: 'smtpd_tls_exclude_ciphers',
    smtpd_tls_req_ccert: 'smtpd_tls_ask_ccert',
  },
  both: ['smtpd_tls_exclude_ciphers'],
  levelParameter: 'smtpd_tls_security_level',
  enforce: 'smtpd_enforce_tls',
  use: 'smtpd_use_tls',
  // smtpd takes fingerprint, verify and secure as encrypt, with a warning.
  required: new Set(['encrypt', 'fingerprint', 'verify', 'secure']),
  // tlsproxy serves postscreen's STARTTLS with smtpd's settings: tlsproxy_tls_* default to them.
  commands: ['smtpd', 'tlsproxy'],
  mainType: 'inet',
  mainLabel: 'port 25',
};

const SMTP: Side = {
  who: 'smtp client',
  opportunistic: { smtp_tls_protocols: 'smtp_tls_mandatory_protocols', smtp_tls_ciphers: 'smtp_tls_mandatory_ciphers' },
  mandatory: { smtp_tls_mandatory_protocols: 'smtp_tls_protocols', smtp_tls_mandatory_ciphers: 'smtp_tls_ciphers', smtp_tls_mandatory_exclude_ciphers: 'smtp_tls_exclude_ciphers' },
  both: ['smtp_tls_exclude_ciphers'],
  levelParameter: 'smtp_tls_security_level',
  enforce: 'smtp_enforce_tls',
  use: 'smtp_use_tls',
  required: new Set(['encrypt', 'fingerprint', 'verify', 'secure']),
  commands: ['smtp'],
  mainType: 'unix',
  mainLabel: 'the smtp transport',
};

/** Per-destination policies set their own level, protocols and ciphers: the smtp client's use cannot be told. */
const PER_DESTINATION = ['smtp_tls_policy_maps', 'smtp_tls_per_site'];

function bool(value: string | undefined): boolean | undefined {
  if (value === undefined) return false;
  if (/^yes$/i.test(value.trim())) return true;
  if (/^no$/i.test(value.trim())) return false;
  return undefined;
}

class Values {
  constructor(
    private readonly main: Params,
    private readonly overrides: Params,
  ) {}

  raw(name: string): string | undefined {
    return (this.overrides.get(name) ?? this.main.get(name))?.value;
  }

  /** The value with its references expanded; undefined when one of them is a parameter this folder does not set. */
  expanded(name: string): string | undefined {
    const raw = this.raw(name);
    if (raw === undefined) return undefined;
    const { text, complete } = expandParameters(raw, (n) => this.raw(n));
    return complete ? text : undefined;
  }

  /** Every parameter a process reads when it reads `names`, through their references. */
  closure(names: Iterable<string>): Set<string> {
    const read = new Set<string>();
    const queue = [...names];
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      if (read.has(name)) continue;
      read.add(name);
      queue.push(...parameterReferences(this.raw(name) ?? ''));
    }
    return read;
  }
}

function levelOf(side: Side, values: Values, wrapper: boolean): { level: Level; levelFrom: string; byLevel: boolean } {
  const decided = (level: Level, levelFrom: string) => ({ level, levelFrom, byLevel: true });
  if (wrapper) return decided('required', 'smtpd_tls_wrappermode = yes');
  const level = values.expanded(side.levelParameter);
  if (level === undefined && values.raw(side.levelParameter) !== undefined) return decided('unknown', '');
  const word = level?.trim().toLowerCase() ?? '';
  if (word !== '') {
    const from = `${side.levelParameter} = ${word}`;
    if (word === 'none') return decided('none', from);
    if (word === 'may') return decided('may', from);
    if (side.required.has(word)) return decided('required', from);
    // dane, for one, is mandatory with usable TLSA records and opportunistic without them.
    return decided('unknown', from);
  }
  return { ...legacyLevel(side, values), byLevel: false };
}

/** The level of the legacy booleans, which Postfix reads only when the level parameter is empty. */
function legacyLevel(side: Side, values: Values): { level: Level; levelFrom: string } {
  const enforce = bool(values.expanded(side.enforce));
  const use = bool(values.expanded(side.use));
  if (enforce === undefined || use === undefined) return { level: 'unknown', levelFrom: '' };
  if (enforce) return { level: 'required', levelFrom: `${side.enforce} = yes` };
  if (use) return { level: 'may', levelFrom: `${side.use} = yes` };
  // Neither is set: Postfix turns TLS off, but a folder that holds part of a main.cf cannot tell.
  if (values.raw(side.enforce) === undefined && values.raw(side.use) === undefined) return { level: 'unknown', levelFrom: '' };
  return { level: 'none', levelFrom: `${side.use} = ${values.raw(side.use) ?? 'no (default)'}` };
}

/** The parameters of `side` that a process at `level` reads directly. */
function readAt(side: Side, level: Level): string[] {
  const opportunistic = Object.keys(side.opportunistic);
  const mandatory = Object.keys(side.mandatory);
  if (level === 'none') return [];
  if (level === 'may') return [...opportunistic, ...side.both];
  if (level === 'required') return [...mandatory, ...side.both];
  return [...opportunistic, ...mandatory, ...side.both];
}

/**
 * The processes of a side: each master.cf service that runs one of its commands, and the main one (smtpd on port
 * 25, the smtp transport) with main.cf's settings alone when master.cf does not list it.
 */
function processes(side: Side, entries: readonly MasterCfEntry[], main: Params): Process[] {
  const listed = entries.filter((e) => side.commands.includes(e.command));
  const services: { label: string; service?: string; overrides: Params }[] = listed.map((e) => ({
    label: `${e.service}/${e.type} (master.cf:${e.line})`, service: e.service, overrides: new Map(e.overrides.map((o) => [o.name, { value: o.value, line: e.line }])),
  }));
  if (!entries.some((e) => e.service === 'smtp' && e.type === side.mainType)) services.unshift({ label: side.mainLabel, overrides: new Map() });
  return services.map((service) => {
    const values = new Values(main, service.overrides);
    const wrapper = side === SMTPD && bool(values.expanded('smtpd_tls_wrappermode')) === true;
    return { ...service, ...levelOf(side, values, wrapper) };
  });
}

/** How each process came to its level: `smtpd_tls_security_level = encrypt`, each with its label when several. */
function levelsText(list: readonly Process[]): string {
  return list.length === 1 ? (list[0] as Process).levelFrom : list.map((p) => `${p.label}: ${p.levelFrom}`).join('; ');
}

function currentValue(valueOf: (name: string) => string | undefined, name: string): string {
  const value = valueOf(name);
  return value === undefined ? 'not set, so Postfix\'s default' : `= ${value === '' ? '(empty)' : value}`;
}

const inMainCf = (line: number) => ({ source: `main.cf:${line}`, file: 'main.cf' as const, line });
const inMasterCf = (line: number, process: Process) => ({ source: `master.cf:${line} (${process.service ?? process.label} -o)`, file: 'master.cf' as const, line });

/** `the smtpd of submission`, or `the smtp client` for a process master.cf does not list. */
function whose(side: Side, process: Process): string {
  return `the ${side.who}${process.service === undefined ? '' : ` of ${process.service}`}`;
}

/** Why no process of `list` reads `name`; `valueOf` gives the parameters as they have them. */
function sideReason(side: Side, name: string, list: readonly Process[], valueOf: (name: string) => string | undefined): string {
  const only = list.length === 1 ? list[0] : undefined;
  const subject = only === undefined ? `no ${side.who}` : whose(side, only);
  const levels = levelsText(list);
  if (list.every((p) => p.level === 'none')) return `TLS is off for ${only === undefined ? `every ${side.who}` : subject} (${levels})`;
  const instead = (side.opportunistic[name] ?? side.mandatory[name]) as string;
  const negated = (verb: string) => (only === undefined ? `${subject} ${verb}s` : `${subject} does not ${verb}`);
  if (side.opportunistic[name] !== undefined) {
    return `${negated('run')} at level may (${levels}); where TLS is required it reads ${instead} instead (${currentValue(valueOf, instead)})`;
  }
  const requires = `${negated('require')} TLS (${levels})`;
  if (name === 'smtpd_tls_req_ccert') return `${requires}, and smtpd requires client certificates only where it requires TLS: it logs "Can't require client certs unless TLS is required" (${instead} asks for one at level may)`;
  if (name.endsWith('_mandatory_exclude_ciphers')) return `${requires}; at level may only ${instead} applies`;
  return `${requires}; at level may it reads ${instead} instead (${currentValue(valueOf, instead)})`;
}

const GRADE = /_tls_(mandatory_)?ciphers$/;

/** Whether an LMTP client may use TLS: a level other than none, or a legacy boolean on, in main.cf or an lmtp service. */
function lmtpTls(main: Params, entries: readonly MasterCfEntry[]): boolean {
  const on = (name: string, value: string) => (name === 'lmtp_tls_security_level' ? !/^\s*(none)?\s*$/i.test(value) : /^(lmtp_use_tls|lmtp_enforce_tls)$/.test(name) && bool(value) !== false);
  return [...main].some(([name, { value }]) => on(name, value)) || entries.some((e) => e.command === 'lmtp' && e.overrides.some((o) => on(o.name, o.value)));
}

/** Whether a legacy boolean would have given the process the level it has. */
function legacyAgrees(side: Side, name: string, on: boolean, level: Level): boolean {
  if (name === side.enforce) return on === (level === 'required');
  return on === (level !== 'none');
}

/** The legacy booleans (`smtpd_enforce_tls`, `smtp_use_tls` ...) that a level parameter overrides, when they say otherwise. */
function ignoredLegacy(side: Side, list: readonly Process[], main: Params): UnusedSetting[] {
  const found: UnusedSetting[] = [];
  const why = (process: Process, name: string) => (process.levelFrom.startsWith('smtpd_tls_wrappermode')
    ? `wrapper mode makes ${whose(side, process)} require TLS, whatever ${name} says`
    : `${process.levelFrom} decides the level of ${whose(side, process)}, and ${name} is read only when ${side.levelParameter} is empty`);
  for (const name of [side.enforce, side.use]) {
    for (const process of list) {
      const own = process.overrides.get(name);
      const on = own === undefined ? undefined : bool(own.value);
      if (own === undefined || on === undefined || !process.byLevel || legacyAgrees(side, name, on, process.level)) continue;
      found.push({ parameter: name, value: own.value, ...inMasterCf(own.line, process), reason: why(process, name) });
    }
    const entry = main.get(name);
    const on = entry === undefined ? undefined : bool(entry.value);
    const readers = list.filter((p) => !p.overrides.has(name));
    if (entry === undefined || on === undefined || readers.length === 0 || !readers.every((p) => p.byLevel) || readers.every((p) => legacyAgrees(side, name, on, p.level))) continue;
    const disagreeing = readers.find((p) => !legacyAgrees(side, name, on, p.level)) as Process;
    found.push({ parameter: name, value: entry.value, ...inMainCf(entry.line), reason: why(disagreeing, name) });
  }
  return found;
}

const tokens = (value: string) => new Set(value.split(/[\s,:]+/).filter((t) => t !== '').map((t) => t.toLowerCase()));

/**
 * True when the parameter the process reads instead has the same effect, so that the unused one is the belt to
 * its braces: both protocol lists alike, say, or mandatory exclusions that the general exclusions already make.
 */
function sameEffect(side: Side, name: string, value: string, values: Values, level: Level): boolean {
  if (level === 'none') return false;
  const instead = side.opportunistic[name] ?? side.mandatory[name];
  const other = instead === undefined ? undefined : values.expanded(instead);
  if (other === undefined || name === 'smtpd_tls_req_ccert') return false;
  const mine = tokens(value);
  const theirs = tokens(other);
  if (name.endsWith('_mandatory_exclude_ciphers')) return [...mine].every((t) => theirs.has(t));
  return mine.size === theirs.size && [...mine].every((t) => theirs.has(t));
}

/**
 * The TLS settings of a configuration that no Postfix process reads: main.cf's, and each master.cf `-o` of an
 * smtpd listener or smtp transport. Without master.cf, main.cf alone decides: one smtpd and one smtp client.
 * A side is left out when its use cannot be told: a level this folder does not set or that depends on the
 * destination (dane, per-destination policy tables), or postscreen and tlsproxy settings of their own.
 */
export function unusedSettings(mainCfText: string, masterCfText?: string): UnusedSetting[] {
  const main: Params = new Map(parseMainCf(mainCfText).entries.map((e) => [e.name, { value: e.value, line: e.line }]));
  const entries = masterCfText === undefined ? [] : parseMasterCf(masterCfText);
  const servers = processes(SMTPD, entries, main);
  const clients = processes(SMTP, entries, main);
  const set = (name: string, list: readonly Process[]) => (main.get(name)?.value ?? '') !== '' || list.some((p) => (p.overrides.get(name)?.value ?? '') !== '');
  const decidable = (list: readonly Process[]) => list.length > 0 && list.every((p) => p.level !== 'unknown');
  const sides: [Side, Process[], boolean][] = [
    // postscreen's STARTTLS (through tlsproxy) takes smtpd's settings unless postscreen_tls_* or tlsproxy_tls_* say otherwise.
    [SMTPD, servers, decidable(servers) && ![...main.keys()].some((name) => /^(tlsproxy|postscreen)_tls_/.test(name))],
    // The LMTP client mirrors the smtp client's parameters; with TLS on, it may read them through its defaults.
    [SMTP, clients, decidable(clients) && !PER_DESTINATION.some((name) => set(name, clients)) && !lmtpTls(main, entries)],
  ];
  const readFromMain = new Set<string>();
  /** Each cipher grade a process reads, as it has it (undefined: Postfix's default, which is never high). */
  const grades: (string | undefined)[] = [];
  // What every process reads comes first: a reference may cross sides (smtp_tls_protocols = $smtpd_tls_protocols).
  const reads = sides.map(([side, list, known]) => list.map((process) => {
    const values = new Values(main, process.overrides);
    const read = values.closure(readAt(side, known ? process.level : 'unknown'));
    for (const name of read) {
      if (!process.overrides.has(name)) readFromMain.add(name);
      if (GRADE.test(name)) grades.push(values.raw(name) === undefined ? undefined : values.expanded(name) ?? '$');
    }
    return { process, values, read };
  }));
  const found: UnusedSetting[] = [];
  const mainValues = new Values(main, new Map());
  sides.forEach(([side, list, known], index) => {
    if (!known) return;
    const tracked = [...Object.keys(side.opportunistic), ...Object.keys(side.mandatory), ...side.both];
    for (const { process, values, read } of reads[index] ?? []) {
      for (const name of tracked) {
        const own = process.overrides.get(name);
        if (own === undefined || read.has(name) || bool(own.value) === false) continue;
        if (sameEffect(side, name, values.expanded(name) ?? own.value, values, process.level)) continue;
        found.push({ parameter: name, value: own.value, ...inMasterCf(own.line, process), reason: sideReason(side, name, [process], (n) => values.raw(n)) });
      }
    }
    found.push(...ignoredLegacy(side, list, main));
    for (const name of tracked) {
      const entry = main.get(name);
      if (entry === undefined || readFromMain.has(name) || bool(entry.value) === false) continue;
      const value = mainValues.expanded(name) ?? entry.value;
      if ((reads[index] ?? []).every(({ process, values }) => sameEffect(side, name, value, values, process.level))) continue;
      found.push({ parameter: name, value: entry.value, ...inMainCf(entry.line), reason: sideReason(side, name, list, (n) => main.get(n)?.value) });
    }
  });
  const high = main.get('tls_high_cipherlist');
  // lmtp and tlsproxy clients have grades of their own: one of them set at all may be high.
  const others = [...main.keys()].some((name) => GRADE.test(name) && !name.startsWith('smtpd_') && !name.startsWith('smtp_'));
  if (high !== undefined && sides.every(([, , known]) => known) && !others && !grades.some((grade) => grade !== undefined && /high|\$/i.test(grade))) {
    const inUse = [...readFromMain].filter((name) => GRADE.test(name)).sort();
    found.push({
      parameter: 'tls_high_cipherlist', value: high.value, ...inMainCf(high.line),
      reason: `no cipher grade in use is "high" (${inUse.map((name) => `${name} ${currentValue((n) => main.get(n)?.value, name)}`).join('; ') || 'TLS is off'}): the list applies only where a grade parameter says high`,
    });
  }
  return found;
}
