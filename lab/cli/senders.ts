import { parseArgs } from 'node:util';
import { LabError } from '../errors.ts';
import { renderTable } from '../report/text-table.ts';
import type { SenderProfile } from '../scenario/schema.ts';
import { loadSenderProfiles } from '../senders/profiles.ts';
import { EXIT, type CliIo } from './io.ts';

export const SENDERS_HELP = `Usage: tlslab senders list [--json]

Lists the sender profiles (scenarios/senders/*.yaml): what each kind of sender offers and the evidence for it.
A scenario sender takes a profile with "profile: <name>".`;

function range(profile: SenderProfile): string {
  const min = profile.tls?.minProtocol;
  const max = profile.tls?.maxProtocol;
  if (profile.starttls === 'none') return 'no STARTTLS';
  if (profile.starttls === 'implicit') return 'TLS at once, no STARTTLS';
  if (!min && !max) return 'library default';
  return min === max ? `${min} only` : `${min ?? 'lowest'} .. ${max ?? 'highest'}`;
}

/** The first suites of a list, so the table stays readable; `--json` has all of it. */
function shortCipherList(ciphers: string | undefined): string {
  if (ciphers === undefined) return '(library default)';
  const suites = ciphers.split(':');
  return suites.length <= 3 ? ciphers : `${suites.slice(0, 2).join(':')} +${suites.length - 2} more`;
}

function evidence(profile: SenderProfile): string {
  if (profile.evidence === 'synthetic') return 'synthetic probe';
  const { sources, verified, inferred } = profile.evidence;
  return `${sources.length} source(s); ${verified.length} verified, ${inferred.length} inferred`;
}

export async function sendersCommand(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help || sub === undefined || sub === 'help') {
    io.stdout.write(`${SENDERS_HELP}\n`);
    return sub === undefined ? EXIT.usage : EXIT.ok;
  }
  if (sub !== 'list') throw new LabError('LAB_USAGE', `tlslab senders: unknown command "${sub}"\n\n${SENDERS_HELP}`);
  const profiles = [...(await loadSenderProfiles()).values()];
  if (values.json) {
    io.stdout.write(`${JSON.stringify(profiles, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = profiles.map((p) => [
    p.name,
    `${p.client ?? 'swaks'}${p.client === 'postfix' ? ' (MTA)' : ''}`,
    p.toolchain ?? 'debian-bookworm',
    `${range(p)}${p.tls?.fallbackScsv === true ? ', fallback SCSV' : ''}${p.tls?.verifyCertificate === true ? ', verifies' : ''}${p.afterStarttls ? `, then ${p.afterStarttls}` : ''}`,
    shortCipherList(p.tls?.ciphers),
    evidence(p),
  ]);
  io.stdout.write(`${renderTable(['profile', 'client', 'toolchain', 'protocols', 'ciphers', 'evidence'], rows, [28, 14, 32, 20, 48, 36])}\n`);
  return EXIT.ok;
}
