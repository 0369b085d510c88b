import type { SenderResult } from '../scenario/result.ts';
import { PROTOCOLS } from '../scenario/tls-vocabulary.ts';

/**
 * Cipher grades, worst first: broken (RC4, 3DES, DES, EXPORT, NULL, MD5), CBC without forward
 * secrecy, CBC with it, AEAD without it, AEAD with forward secrecy (every TLS 1.3 suite).
 */
export const CIPHER_GRADES = ['broken', 'cbc', 'cbc-fs', 'aead', 'aead-fs'] as const;
export type CipherGrade = (typeof CIPHER_GRADES)[number];

export function cipherGrade(cipher: string): CipherGrade {
  const name = cipher.toUpperCase();
  if (/^TLS_/.test(name)) return 'aead-fs';
  if (/RC4|DES|EXP|NULL|MD5|RC2|IDEA|SEED/.test(name)) return 'broken';
  const fs = /^(ECDHE|DHE|EDH|EECDH|ADH|AECDH)-/.test(name);
  const aead = /GCM|CHACHA20|CCM|POLY1305/.test(name);
  if (aead) return fs ? 'aead-fs' : 'aead';
  return fs ? 'cbc-fs' : 'cbc';
}

/** What a sender got, as one comparable value. */
export interface OutcomeRank {
  /** 0 failed (or refused, or unknown), 1 plaintext, 2 + protocol index (SSLv3 = 2 … TLSv1.3 = 6). */
  level: number;
  /** Cipher grade index (0..4); 0 unless TLS. */
  grade: number;
  label: string;
}

/** TLSv1.3 > TLSv1.2 > … > SSLv3 > plaintext > failed; within a protocol, by cipher grade. */
export function rankOutcome(result: Pick<SenderResult, 'observed' | 'fate'>): OutcomeRank {
  const observed = result.observed;
  if (observed.kind === 'tls') {
    const index = PROTOCOLS.indexOf(observed.protocol as (typeof PROTOCOLS)[number]);
    const grade = cipherGrade(observed.cipher);
    return { level: 2 + Math.max(0, index), grade: CIPHER_GRADES.indexOf(grade), label: `${observed.protocol} ${observed.cipher} (${grade})` };
  }
  if (observed.kind === 'plaintext' && result.fate.status === 'delivered') return { level: 1, grade: 0, label: 'plaintext' };
  if (observed.kind === 'plaintext') return { level: 0, grade: 0, label: `plaintext, ${result.fate.status}` };
  if (observed.kind === 'handshake-failed') return { level: 0, grade: 0, label: `failed: ${observed.failureClass ?? 'handshake'}` };
  if (observed.kind === 'refused') return { level: 0, grade: 0, label: `refused: ${observed.reply}` };
  return { level: 0, grade: 0, label: `unknown: ${observed.reason}` };
}

export function compareRanks(a: OutcomeRank, b: OutcomeRank): number {
  return a.level - b.level || a.grade - b.grade;
}

/** A sender is served when its message got through (TLS or plaintext). */
export function isServed(result: Pick<SenderResult, 'observed' | 'fate'>): boolean {
  return rankOutcome(result).level > 0;
}
