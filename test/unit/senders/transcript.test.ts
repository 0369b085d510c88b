import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAppTranscript, readRawTranscript, readSClientTranscript, readSwaksTranscript } from '../../../lab/senders/transcript.ts';

interface CapturedRun {
  senders: { name: string; client: string; transcript: string }[];
}
const load = (name: string) => JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/runs', name), 'utf8')) as CapturedRun;
const transcript = (run: CapturedRun, name: string) => run.senders.find((s) => s.name === name)!.transcript;

const quickstart = load('quickstart-bookworm.json');
const encrypt = load('encrypt-required-bookworm.json');
const java = load('java-clients-bookworm.json');

describe('swaks transcripts (captured from real runs)', () => {
  it('reads a TLS 1.3 session and the queue id', () => {
    const view = readSwaksTranscript(transcript(quickstart, 'modern'));
    expect(view).toMatchObject({ connected: true, starttlsOffered: true, starttlsReply: '220 2.0.0 Ready to start TLS', tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256 } });
    expect(view.queuedAs).toMatch(/^[0-9A-F]{10,12}$/);
    expect(view.tlsError).toBeUndefined();
  });

  it('reads the client-side TLS error of a refused handshake', () => {
    const view = readSwaksTranscript(transcript(quickstart, 'tls10-only'));
    expect(view.tls).toBeUndefined();
    expect(view.tlsError).toBe('error:0A00014D:SSL routines::legacy sigalg disallowed or unsupported');
    expect(view.queuedAs).toBeUndefined();
  });

  it('reads TLS 1.0 and a plaintext delivery', () => {
    expect(readSwaksTranscript(transcript(quickstart, 'tls10-only-seclevel0')).tls).toEqual({ protocol: 'TLSv1', cipher: 'ECDHE-RSA-AES256-SHA', bits: 256 });
    const plain = readSwaksTranscript(transcript(quickstart, 'no-starttls'));
    expect(plain.tls).toBeUndefined();
    expect(plain.starttlsReply).toBeUndefined();
    expect(plain.queuedAs).toBeDefined();
  });

  it('reads the first rejection', () => {
    const view = readSwaksTranscript(transcript(encrypt, 'plaintext-only'));
    expect(view.rejection).toBe('530 5.7.0 Must issue a STARTTLS command first');
    expect(view.queuedAs).toBeUndefined();
  });

  it('tolerates garbage', () => {
    expect(readSwaksTranscript('\u0000\u0001 garbage\n=== TLS started with cipher\n<- 25')).toEqual({ connected: false, starttlsOffered: false });
  });
});

describe('s_client transcripts (captured from a real run)', () => {
  it('reads protocol, cipher and queue id from the driver output', () => {
    const view = readSClientTranscript(transcript(encrypt, 'sclient-tls12'));
    expect(view.connected).toBe(true);
    expect(view.tls).toEqual({ protocol: 'TLSv1.2', cipher: 'ECDHE-ECDSA-AES128-GCM-SHA256' });
    expect(view.queuedAs).toMatch(/^[0-9A-F]{10,12}$/);
    expect(view.rejection).toBeUndefined();
  });

  it('reads an OpenSSL 1.0.x style failure', () => {
    const text = [
      'CONNECTED(00000003)',
      '140227440756384:error:14077410:SSL routines:SSL23_GET_SERVER_HELLO:sslv3 alert handshake failure:s23_clnt.c:770:',
      '---',
      'New, (NONE), Cipher is (NONE)',
    ].join('\n');
    expect(readSClientTranscript(text)).toMatchObject({
      connected: true,
      tlsError: 'error:14077410:SSL routines:SSL23_GET_SERVER_HELLO:sslv3 alert handshake failure:s23_clnt.c:770:',
    });
    expect(readSClientTranscript(text).tls).toBeUndefined();
  });
});

describe('raw sender transcript', () => {
  it('reads the greeting, the STARTTLS offer and reply, and never claims TLS', () => {
    const view = readRawTranscript([
      'CONNECTED', 'S: 220 receiver.lab.test ESMTP', 'C: EHLO x', 'S: 250-receiver.lab.test', 'S: 250-STARTTLS', 'S: 250 CHUNKING',
      'C: STARTTLS', 'S: 220 2.0.0 Ready to start TLS', 'C: GET / HTTP/1.0', 'S: <closed>',
    ].join('\n'));
    expect(view).toEqual({ connected: true, starttlsOffered: true, starttlsReply: '220 2.0.0 Ready to start TLS' });
  });

  it('keeps a refused STARTTLS as the reply and the rejection', () => {
    const view = readRawTranscript(['CONNECTED', 'S: 220 r ESMTP', 'C: EHLO x', 'S: 250 r', 'C: STARTTLS', 'S: 502 5.5.1 Error: command not implemented'].join('\n'));
    expect(view).toMatchObject({ starttlsOffered: false, starttlsReply: '502 5.5.1 Error: command not implemented', rejection: '502 5.5.1 Error: command not implemented' });
  });
});


describe('Java client transcripts (captured from real runs, OpenJDK 17 against Postfix 3.7)', () => {
  it('reads a STARTTLS session, its protocol and JSSE suite name, and the queue id', () => {
    const view = readAppTranscript(transcript(java, 'java-trusting'));
    expect(view).toMatchObject({ connected: true, starttlsOffered: true, starttlsReply: '220 2.0.0 Ready to start TLS', tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } });
    expect(view.queuedAs).toMatch(/^[0-9A-F]{10,12}$/);
    expect(view.tlsError).toBeUndefined();
  });

  it('reads the JSSE exception of a certificate it could not verify, and of a name the certificate lacks', () => {
    const untrusted = readAppTranscript(transcript(java, 'java-verifying'));
    expect(untrusted.tls).toBeUndefined();
    expect(untrusted.tlsError).toMatch(/^javax\.net\.ssl\.SSLHandshakeException: \(certificate_unknown\) PKIX path building failed/);
    expect(untrusted.queuedAs).toBeUndefined();
    expect(readAppTranscript(transcript(java, 'java-name')).tlsError).toContain('(certificate_unknown) No name matching other-name.example found');
  });

  it('reads implicit TLS before the greeting, and a plaintext delivery', () => {
    expect(readAppTranscript(transcript(java, 'java-implicit'))).toMatchObject({ connected: true, tls: { protocol: 'TLSv1.3' } });
    const plain = readAppTranscript(transcript(java, 'java-plain'));
    expect(plain).toMatchObject({ connected: true, starttlsOffered: true });
    expect(plain.tls).toBeUndefined();
    expect(plain.queuedAs).toMatch(/^[0-9A-F]{10,12}$/);
  });
});

const goRun = load('go-clients-bookworm.json');

describe('Go client transcripts (captured from real runs, Go 1.24 against Postfix 3.7)', () => {
  it('reads a STARTTLS session with its IANA suite name, implicit TLS before the greeting, and a plaintext delivery', () => {
    const view = readAppTranscript(transcript(goRun, 'go-skip-verify'));
    expect(view).toMatchObject({ connected: true, starttlsOffered: true, starttlsReply: '220 2.0.0 Ready to start TLS', tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' } });
    expect(view.queuedAs).toMatch(/^[0-9A-F]{10,12}$/);
    expect(readAppTranscript(transcript(goRun, 'go-implicit'))).toMatchObject({ connected: true, tls: { protocol: 'TLSv1.3' } });
    const plain = readAppTranscript(transcript(goRun, 'go-plain'));
    expect(plain.tls).toBeUndefined();
    expect(plain.queuedAs).toMatch(/^[0-9A-F]{10,12}$/);
  });

  it('reads crypto/tls\'s error for a certificate that names its host in the Common Name only', () => {
    const view = readAppTranscript(transcript(goRun, 'go-verifying'));
    expect(view.tls).toBeUndefined();
    expect(view.tlsError).toBe('tls: failed to verify certificate: x509: certificate relies on legacy Common Name field, use SANs instead');
    expect(view.queuedAs).toBeUndefined();
  });
});
