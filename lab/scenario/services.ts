/** The receiver's listening services beyond port 25: which master.cf entry serves a sender's port. */

/** Ports of the symbolic service names a master.cf `inet` entry may use (IANA's, as /etc/services has them). */
const NAMED_PORTS: Readonly<Record<string, number>> = { smtp: 25, smtps: 465, submissions: 465, ssmtp: 465, submission: 587 };

/** The port of a master.cf `inet` service field: `465`, `127.0.0.1:465`, `[::1]:465`, `smtps`; undefined if unknown. */
export function servicePort(service: string): number | undefined {
  const port = service.slice(service.lastIndexOf(':') + 1);
  if (/^\d{1,5}$/.test(port)) return Number(port);
  return NAMED_PORTS[port];
}

/** Whether one of these master.cf entries is an `inet` service on this port. */
export function servesPort(masterCf: readonly string[], port: number): boolean {
  return masterCf.some((entry) => {
    const [service, type] = entry.trim().split(/\s+/);
    return type === 'inet' && service !== undefined && servicePort(service) === port;
  });
}

/** An `-o` option as master.cf takes it: in braces when its value has spaces (Postfix 3.0 and later). */
function option(name: string, value: string): string {
  return /\s/.test(value) ? `-o { ${name}=${value} }` : `-o ${name}=${value}`;
}

/** A master.cf entry for an smtpd listener on a numeric port (no /etc/services needed), with its log tag and -o settings. */
export function smtpdEntry(port: number, syslogName: string, overrides: Readonly<Record<string, string>>): string {
  const options = [option('syslog_name', syslogName), ...Object.entries(overrides).map(([name, value]) => option(name, value))];
  return `${port} inet n - n - - smtpd ${options.join(' ')}`;
}

/** A listener of Postfix's own master.cf (commented out there), without its SASL settings. */
export interface DefaultService {
  /** The log tags admins know: `postfix/smtps/smtpd`. */
  syslogName: string;
  overrides: Readonly<Record<string, string>>;
  what: string;
}

/** The services a receiver runs for 465 and 587 when its master.cf has none. */
export const DEFAULT_SERVICES: ReadonlyMap<number, DefaultService> = new Map<number, DefaultService>([
  [465, { syslogName: 'postfix/smtps', overrides: { smtpd_tls_wrappermode: 'yes' }, what: 'smtps (wrapper mode: TLS at once)' }],
  [587, { syslogName: 'postfix/submission', overrides: { smtpd_tls_security_level: 'encrypt' }, what: 'submission (STARTTLS required)' }],
]);

/** The receiver's master.cf entries with a default service added for each of `ports` that none serves. */
export function withDefaultServices(masterCf: readonly string[], ports: Iterable<number>): { masterCf: string[]; added: string[] } {
  const entries = [...masterCf];
  const added: string[] = [];
  for (const port of new Set(ports)) {
    const service = DEFAULT_SERVICES.get(port);
    if (port === 25 || service === undefined || servesPort(entries, port)) continue;
    const entry = smtpdEntry(port, service.syslogName, service.overrides);
    entries.push(entry);
    added.push(`port ${port}: ${service.what}, as "${entry}"`);
  }
  return { masterCf: entries, added };
}
