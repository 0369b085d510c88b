import { z } from 'zod';

/** Protocol names as Postfix and OpenSSL print them, oldest first. */
export const PROTOCOLS = ['SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
export type TlsProtocol = (typeof PROTOCOLS)[number];
export const protocolSchema = z.enum(PROTOCOLS);

export function protocolRank(protocol: TlsProtocol): number {
  return PROTOCOLS.indexOf(protocol);
}

/** The protocols from min to max inclusive. */
export function protocolRange(min: TlsProtocol, max: TlsProtocol): TlsProtocol[] {
  return PROTOCOLS.slice(protocolRank(min), protocolRank(max) + 1);
}
