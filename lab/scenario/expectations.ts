import type { Expectation } from './schema.ts';
import type { MessageFate, Observed } from './outcome.ts';

export interface ExpectationCheck {
  held: boolean;
  /** Why it did not hold, in one line. */
  mismatch?: string;
}

export function describeExpectation(expectation: Expectation): string {
  switch (expectation.outcome) {
    case 'tls': {
      const protocol = Array.isArray(expectation.protocol) ? expectation.protocol.join(' or ') : expectation.protocol;
      return ['TLS', protocol, expectation.cipher, viaText(expectation.via)].filter(Boolean).join(' ');
    }
    case 'plaintext':
      return [expectation.afterTlsFailure ? 'plaintext after TLS failed' : 'plaintext', viaText(expectation.via)].filter(Boolean).join(' ');
    case 'handshake-failed':
      return ['handshake failed', expectation.failureClass, expectation.serverError && `"${expectation.serverError}"`].filter(Boolean).join(' ');
    case 'refused':
      return ['refused', expectation.failureClass, expectation.reply && `"${expectation.reply}"`].filter(Boolean).join(' ');
  }
}

export function describeObserved(observed: Observed): string {
  switch (observed.kind) {
    case 'tls':
      return ['TLS', observed.protocol, observed.cipher, viaText(observed.via)].filter(Boolean).join(' ');
    case 'plaintext':
      return [observed.afterTlsFailure === true ? 'plaintext after TLS failed' : 'plaintext', viaText(observed.via)].filter(Boolean).join(' ');
    case 'handshake-failed':
      return ['handshake failed', observed.failureClass].filter(Boolean).join(': ');
    case 'refused':
      return observed.afterTls === undefined ? `refused: ${observed.reply}` : `refused after TLS ${observed.afterTls.protocol} ${observed.afterTls.cipher}: ${observed.reply}`;
    case 'unknown':
      return `unknown: ${observed.reason}`;
  }
}

/** Where a message went instead of the destination it was sent to: its backup. */
function viaText(via: string | undefined): string {
  return via === undefined ? '' : `via backup ${via}`;
}

const contains = (text: string | undefined, part: string) => text !== undefined && text.toLowerCase().includes(part.toLowerCase());

/** Matches an observed outcome and the message's fate against what the scenario expects. */
export function checkExpectation(expectation: Expectation, observed: Observed, fate: MessageFate): ExpectationCheck {
  const fail = (mismatch: string): ExpectationCheck => ({ held: false, mismatch });
  if (fate.status === 'queued') {
    return fail(`the message's fate is unknown: queued${fate.queueId ? ` as ${fate.queueId}` : ''} with no final status before the deadline`);
  }
  if (expectation.outcome !== observed.kind) {
    return fail(`expected ${describeExpectation(expectation)}, observed ${describeObserved(observed)}`);
  }
  if ((expectation.outcome === 'tls' || expectation.outcome === 'plaintext') && (observed.kind === 'tls' || observed.kind === 'plaintext') && expectation.via !== observed.via) {
    return fail(`expected ${describeExpectation(expectation)}, observed ${describeObserved(observed)}`);
  }
  if (expectation.outcome === 'tls' && observed.kind === 'tls') {
    const protocols = expectation.protocol === undefined ? [] : [expectation.protocol].flat();
    if (protocols.length > 0 && !protocols.includes(observed.protocol as (typeof protocols)[number])) {
      return fail(`expected protocol ${protocols.join(' or ')}, negotiated ${observed.protocol}`);
    }
    if (expectation.cipher !== undefined && expectation.cipher !== observed.cipher) {
      return fail(`expected cipher ${expectation.cipher}, negotiated ${observed.cipher}`);
    }
  }
  if (expectation.outcome === 'handshake-failed' && observed.kind === 'handshake-failed') {
    if (expectation.serverError !== undefined && !contains(observed.serverError, expectation.serverError)) {
      return fail(`expected the server's error to contain "${expectation.serverError}", got ${observed.serverError ? `"${observed.serverError}"` : 'no server error line'}`);
    }
    if (expectation.failureClass !== undefined && expectation.failureClass !== observed.failureClass) {
      return fail(`expected failure class ${expectation.failureClass}, got ${observed.failureClass ?? 'none'}`);
    }
  }
  if (expectation.outcome === 'refused' && observed.kind === 'refused') {
    if (expectation.reply !== undefined && !contains(observed.reply, expectation.reply)) return fail(`expected the reply to contain "${expectation.reply}", got "${observed.reply}"`);
    if (expectation.failureClass !== undefined && expectation.failureClass !== observed.failureClass) {
      return fail(`expected failure class ${expectation.failureClass}, got ${observed.failureClass ?? 'none'}`);
    }
  }
  if (expectation.outcome === 'plaintext' && observed.kind === 'plaintext' && expectation.afterTlsFailure !== undefined) {
    if (Boolean(observed.afterTlsFailure) !== expectation.afterTlsFailure) {
      return fail(expectation.afterTlsFailure ? 'expected plaintext after a failed TLS attempt, but no TLS attempt failed first' : 'expected plaintext without a failed TLS attempt first');
    }
  }
  const wantedFate = expectation.fate ?? (expectation.outcome === 'tls' || expectation.outcome === 'plaintext' ? 'delivered' : undefined);
  if (wantedFate !== undefined && fate.status !== wantedFate) {
    return fail(`expected the message to be ${wantedFate}, it was ${fate.status}${fate.detail ? ` (${fate.detail})` : ''}`);
  }
  return { held: true };
}
