import type { LogHints } from './types.ts';

/*
 * What a caller knows of the server that wrote a log, from its Postfix parameters (main.cf, a scenario's receiver).
 */

/** A Postfix time value in seconds (`300s`, `5m`, a bare number of seconds); NaN for anything else. */
export function postfixSeconds(value: string): number {
  const match = /^\s*(\d+)\s*([smhdw]?)\s*$/.exec(value);
  if (!match) return Number.NaN;
  return Number(match[1]) * ({ '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as Record<string, number>)[match[2]!]!;
}

/**
 * smtpd_starttls_timeout and smtp_starttls_timeout in seconds, as `value` gives them (a stress-dependent or other
 * value that is no plain time is left out); undefined when neither is set.
 */
export function starttlsTimeouts(value: (name: string) => string | undefined): LogHints['starttlsTimeout'] {
  const seconds = (name: string): number | undefined => {
    const text = value(name);
    const parsed = text === undefined ? Number.NaN : postfixSeconds(text);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  const smtpd = seconds('smtpd_starttls_timeout');
  const smtp = seconds('smtp_starttls_timeout');
  if (smtpd === undefined && smtp === undefined) return undefined;
  return { ...(smtpd === undefined ? {} : { smtpd }), ...(smtp === undefined ? {} : { smtp }) };
}

/** Hints of a server whose versions (when known) and Postfix parameters (`parameter`) the caller has. */
export function serverHints(versions: { postfix?: string | undefined; openssl?: string | undefined }, parameter: (name: string) => string | undefined): LogHints {
  const hints: LogHints = {};
  if (versions.postfix !== undefined) hints.postfixVersion = versions.postfix;
  if (versions.openssl !== undefined) hints.opensslVersion = versions.openssl;
  const timeouts = starttlsTimeouts(parameter);
  if (timeouts !== undefined) hints.starttlsTimeout = timeouts;
  return hints;
}
