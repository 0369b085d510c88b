import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderReceiverConfig } from '../../../lab/receiver/config-files.ts';
import { receiverSchema } from '../../../lab/scenario/schema.ts';

describe('receiver configuration files', () => {
  it('renders main.cf parameters in order, master.cf entries, and the generated certificate types', async () => {
    const spec = receiverSchema.parse({
      mainCf: { smtpd_tls_protocols: '!SSLv2, !SSLv3', smtpd_tls_mandatory_ciphers: 'high', smtpd_tls_loglevel: 2 },
      masterCf: ['submission inet n - n - - smtpd -o smtpd_tls_security_level=encrypt'],
      certificate: { generate: ['rsa', 'ecdsa'] },
    });
    const rendered = await renderReceiverConfig(spec, '/nowhere');
    expect(rendered.files).toEqual([
      { path: '/lab/receiver/main.cf', content: 'smtpd_tls_protocols = !SSLv2, !SSLv3\nsmtpd_tls_mandatory_ciphers = high\nsmtpd_tls_loglevel = 2\n' },
      { path: '/lab/receiver/master.cf', content: 'submission inet n - n - - smtpd -o smtpd_tls_security_level=encrypt\n' },
    ]);
    expect(rendered.env).toEqual({ TLSLAB_CERT_TYPES: 'rsa ecdsa' });
  });

  it('installs a given certificate relative to the scenario, and says which file is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tlslab-cert-'));
    await writeFile(join(dir, 'cert.pem'), 'CERT');
    await writeFile(join(dir, 'key.pem'), 'KEY');
    const rendered = await renderReceiverConfig(receiverSchema.parse({ certificate: { cert: 'cert.pem', key: 'key.pem' } }), dir);
    expect(rendered.files.slice(2)).toEqual([
      { path: '/lab/receiver/cert.pem', content: 'CERT' },
      { path: '/lab/receiver/key.pem', content: 'KEY', mode: 0o600 },
    ]);
    await expect(renderReceiverConfig(receiverSchema.parse({ certificate: { cert: 'nope.pem', key: 'key.pem' } }), dir)).rejects.toThrow(
      `receiver.certificate.cert: cannot read ${join(dir, 'nope.pem')}`,
    );
  });
});
