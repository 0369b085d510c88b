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
    }
  }
  return needs;
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
