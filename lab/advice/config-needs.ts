import { compareVersions } from '../logs/versions.ts';

/** A setting that only a Postfix of `version` or later reads as meant; an older one disables TLS over it. */
export interface PostfixNeed {
  version: string;
  parameter: string;
  value: string;
  /** Where it is set: `main.cf:17`, or `master.cf:12 (submission -o)` for an override. */
  source: string;
  why: string;
}

const PROTOCOL_PARAMETER = /^(?:smtpd|smtp|lmtp|tlsproxy(?:_client)?)_tls(?:_mandatory)?_protocols$/;

/**
 * What the configuration needs of the Postfix that runs it, from syntax with a known first release
 * (facts/postfix-openssl-versions.md). An older Postfix logs `Invalid TLS protocol list` for these and turns TLS off.
 */
export function postfixNeeds(entries: Iterable<{ name: string; value: string; source: string }>): PostfixNeed[] {
  const needs: PostfixNeed[] = [];
  for (const entry of entries) {
    if (!PROTOCOL_PARAMETER.test(entry.name)) continue;
    const at = { parameter: entry.name, value: entry.value, source: entry.source };
    if (/[<>]=/.test(entry.value)) {
      needs.push({ version: '3.6', ...at, why: 'the ">=" / "<=" protocol range syntax exists from Postfix 3.6.0 on' });
    } else if (/(?:^|[\s,:!])TLSv1\.3\b/.test(entry.value)) {
      needs.push({ version: '3.4', ...at, why: 'the TLSv1.3 protocol name exists from Postfix 3.4 on (and in 3.3.2, 3.2.7, 3.1.10, 3.0.14)' });
    } else if (/(?:^|[\s,:!])TLSv1\.[12]\b/.test(entry.value)) {
      needs.push({ version: '2.6.15', ...at, why: 'the TLSv1.1 and TLSv1.2 protocol names exist from Postfix 2.6.15, 2.7.9, 2.8.10 and 2.9.2 on, and in every 2.10 and later' });
    }
  }
  return needs;
}

/**
 * The needs a log does not contradict: a log in which Postfix rejected the very value (`Invalid TLS protocol list
 * ">=TLSv1.2"`) shows a Postfix older than the setting needs, which is then the one to run.
 */
export function needsBesides(needs: readonly PostfixNeed[], logLines: readonly string[]): PostfixNeed[] {
  const rejected = new Set<string>();
  for (const line of logLines) for (const match of line.matchAll(/Invalid TLS protocol list "([^"]*)"/g)) rejected.add((match[1] as string).trim());
  return needs.filter((need) => !rejected.has(need.value.trim()));
}

/** The strictest need: the one with the highest version. */
export function strictestNeed(needs: readonly PostfixNeed[]): PostfixNeed | undefined {
  let strictest: PostfixNeed | undefined;
  for (const need of needs) if (strictest === undefined || compareVersions(need.version, strictest.version) > 0) strictest = need;
  return strictest;
}

export function needText(need: PostfixNeed): string {
  return `${need.source}: ${need.parameter} = ${need.value}: ${need.why}`;
}
