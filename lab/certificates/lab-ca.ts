import { issueCertificate, type IssuedCertificate } from './issue.ts';

/**
 * The lab's own certificate authority: a root and an issuing CA under it, made once per process. Containers of a
 * scenario that uses it get the root in their system CA bundle, where a public CA's root is, so the lab's
 * certificates verify as a public CA's do: with the intermediate served, by the names they carry, while valid.
 */
export interface LabCa {
  root: IssuedCertificate;
  intermediate: IssuedCertificate;
}

export const LAB_CA_ROOT_NAME = 'tlslab Root CA';
/** The system CA bundle and directory of Debian and its derivatives, which every lab image is. */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
export const SYSTEM_CA_DIRECTORY = '/etc/ssl/certs';

const DAY = 86_400_000;
let made: Promise<LabCa> | undefined;

export function labCa(): Promise<LabCa> {
  made ??= (async () => {
    const now = Date.now();
    const validity = { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now + 20 * 365 * DAY) };
    const root = await issueCertificate({ commonName: LAB_CA_ROOT_NAME, ca: true, ...validity });
    const intermediate = await issueCertificate({ commonName: 'tlslab Issuing CA', ca: true, ...validity }, root);
    return { root, intermediate };
  })();
  return made;
}

/** What a certificate from the lab's CA is to be like; every field has a default. */
export interface LabCertificateRequest {
  /** DNS names it carries. Default: the host name of the container that serves it. */
  names?: readonly string[];
  /** Default: a day ago. */
  notBefore?: string;
  /** Default: a year on. */
  notAfter?: string;
  /** full: served with the issuing CA after it (default); leaf: served alone, as a server missing its intermediate is. */
  chain?: 'full' | 'leaf';
}

/** A certificate the lab's issuing CA issues for `hostname`: the PEM a server serves (leaf, then chain) and its key. */
export async function issueLabCertificate(hostname: string, request: LabCertificateRequest): Promise<{ certificate: string; key: string }> {
  const { intermediate } = await labCa();
  const now = Date.now();
  const names = request.names ?? [hostname];
  const leaf = await issueCertificate({
    commonName: names[0] ?? hostname,
    names,
    notBefore: request.notBefore === undefined ? new Date(now - DAY) : new Date(request.notBefore),
    notAfter: request.notAfter === undefined ? new Date(now + 365 * DAY) : new Date(request.notAfter),
  }, intermediate);
  return { certificate: request.chain === 'leaf' ? leaf.certificate : `${leaf.certificate}${intermediate.certificate}`, key: leaf.key };
}
