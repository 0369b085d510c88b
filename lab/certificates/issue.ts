import { createHash, generateKeyPair, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { bitString, boolean, context, nullValue, octetString, oid, sequence, set, smallInteger, time, tlv, unsigned, utf8String } from './der.ts';

/*
 * X.509 certificates made in the lab's own process, so that a scenario can have any dates, names or chain it
 * needs (an expired certificate, one for another name, one served without its intermediate) from any toolchain,
 * whatever its openssl command can make.
 */

const generate = promisify(generateKeyPair);

export type KeyType = 'rsa' | 'ecdsa';

export interface CertificateRequest {
  /** The subject's common name. */
  commonName: string;
  /** dNSName entries of subjectAltName. Default: none for a CA, [commonName] otherwise. */
  names?: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /** A CA certificate (basicConstraints CA:TRUE, keyCertSign). */
  ca?: boolean;
  /** Key of the subject. Default: rsa (2048 bits). */
  keyType?: KeyType;
}

/** A certificate and its private key, as PEM, with what issuing under it takes. */
export interface IssuedCertificate {
  certificate: string;
  key: string;
  subject: Buffer;
  keyObject: KeyObject;
  keyIdentifier: Buffer;
}

const name = (commonName: string): Buffer => sequence(set(sequence(oid('2.5.4.10'), utf8String('tlslab'))), set(sequence(oid('2.5.4.3'), utf8String(commonName))));

const extension = (id: string, critical: boolean, value: Buffer): Buffer => sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));

/** A named-bit BIT STRING of one byte, trailing zero bits declared unused as DER wants. */
function bits(byte: number): Buffer {
  let unused = 0;
  while (unused < 7 && (byte & (1 << unused)) === 0) unused++;
  return tlv(0x03, Buffer.from([unused, byte]));
}

function signatureAlgorithm(key: KeyObject): Buffer {
  return key.asymmetricKeyType === 'ec' ? sequence(oid('1.2.840.10045.4.3.2')) : sequence(oid('1.2.840.113549.1.1.11'), nullValue());
}

async function newKey(type: KeyType): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return type === 'ecdsa' ? generate('ec', { namedCurve: 'P-256' }) : generate('rsa', { modulusLength: 2048 });
}

/** Issues a certificate for `request`, signed by `issuer`, or self-signed without one. */
export async function issueCertificate(request: CertificateRequest, issuer?: IssuedCertificate): Promise<IssuedCertificate> {
  const { privateKey, publicKey } = await newKey(request.keyType ?? 'rsa');
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const keyIdentifier = createHash('sha1').update(spki).digest();
  const subject = name(request.commonName);
  const signer = issuer?.keyObject ?? privateKey;
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const names = request.names ?? (request.ca ? [] : [request.commonName]);
  const extensions = [
    extension('2.5.29.19', true, request.ca ? sequence(boolean(true), smallInteger(1)) : sequence()),
    extension('2.5.29.15', true, bits(request.ca ? 0x06 : 0xa0)),
    ...(request.ca ? [] : [extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')))]),
    ...(names.length > 0 ? [extension('2.5.29.17', false, sequence(...names.map((n) => context(2, Buffer.from(n, 'ascii'), false))))] : []),
    extension('2.5.29.14', false, octetString(keyIdentifier)),
    extension('2.5.29.35', false, sequence(context(0, issuer?.keyIdentifier ?? keyIdentifier, false))),
  ];
  const tbs = sequence(
    context(0, smallInteger(2)),
    unsigned(serial),
    signatureAlgorithm(signer),
    issuer?.subject ?? subject,
    sequence(time(request.notBefore), time(request.notAfter)),
    subject,
    spki,
    context(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, signer);
  const der = sequence(tbs, signatureAlgorithm(signer), bitString(signature));
  const certificate = new X509Certificate(der).toString();
  return { certificate, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), subject, keyObject: privateKey, keyIdentifier };
}
