import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigDir } from '../../../lab/advice/config-dir.ts';
import { needsBesides, postfixNeeds, strictestNeed } from '../../../lab/advice/config-needs.ts';
import { chooseReceiverToolchain } from '../../../lab/advice/receiver-toolchain.ts';
import { pickToolchain } from '../../../lab/advice/toolchain-pick.ts';
import { loadToolchains } from '../../../lab/toolchains/registry.ts';

const configs = new URL('../../fixtures/configs/', import.meta.url).pathname;
const toolchains = await loadToolchains();
const sources = { sourcesDir: '/nonexistent-tlslab-sources' };
const entry = (name: string, value: string) => ({ name, value, source: 'main.cf:3' });

describe('postfixNeeds', () => {
  it.each([
    ['smtpd_tls_protocols', '>=TLSv1.2', '3.6'],
    ['smtp_tls_mandatory_protocols', '>= TLSv1 <=TLSv1.2', '3.6'],
    ['lmtp_tls_protocols', '<=TLSv1.2', '3.6'],
    ['smtpd_tls_mandatory_protocols', '!SSLv2, !SSLv3, !TLSv1.3', '3.4'],
    ['smtp_tls_protocols', 'TLSv1.2 TLSv1.3', '3.4'],
    ['tlsproxy_tls_protocols', 'TLSv1.2:TLSv1.3', '3.4'],
    ['smtpd_tls_protocols', 'TLSv1.2, TLSv1.1, !TLSv1, !SSLv2, !SSLv3', '2.6.15'],
    ['smtp_tls_mandatory_protocols', '!SSLv2, !SSLv3, !TLSv1, !TLSv1.1', '2.6.15'],
  ])('%s = %s needs Postfix %s', (name, value, version) => {
    expect(postfixNeeds([entry(name, value)])).toEqual([expect.objectContaining({ version, parameter: name, value, source: 'main.cf:3' })]);
  });

  it('needs nothing of protocol lists every release reads, nor of other parameters', () => {
    expect(postfixNeeds([
      entry('smtpd_tls_protocols', '!SSLv2, !SSLv3'),
      entry('smtpd_tls_mandatory_protocols', 'SSLv3 TLSv1'),
      entry('smtpd_tls_ciphers', 'high'),
      entry('smtpd_tls_exclude_ciphers', 'TLSv1.3'),
    ])).toEqual([]);
  });

  it('leaves out a need the log contradicts: Postfix rejected that very value', () => {
    const needs = postfixNeeds([entry('smtpd_tls_protocols', '>=TLSv1.2'), entry('smtp_tls_protocols', '!TLSv1.3')]);
    const log = ['Nov 29 19:45:17 mx postfix/smtpd[140]: warning: Invalid TLS protocol list ">=TLSv1.2": disabling TLS support'];
    expect(needsBesides(needs, log).map((n) => n.parameter)).toEqual(['smtp_tls_protocols']);
    expect(needsBesides(needs, [])).toEqual(needs);
  });

  it('takes the strictest of several', () => {
    const needs = postfixNeeds([entry('smtp_tls_protocols', '!TLSv1.3'), entry('smtpd_tls_protocols', '>=TLSv1.2')]);
    expect(strictestNeed(needs)?.version).toBe('3.6');
  });

  it('reads them from a configuration folder, with where each is set', async () => {
    const config = await readConfigDir(join(configs, 'bookworm-tls12-minimum'));
    expect(config.needs.map((n) => `${n.source} ${n.parameter} ${n.version}`)).toEqual([
      'main.cf:13 smtpd_tls_protocols 3.6',
      'main.cf:14 smtpd_tls_mandatory_protocols 3.6',
    ]);
  });
});

describe('the receiver toolchain for a configuration that needs a recent Postfix', () => {
  const need = postfixNeeds([{ name: 'smtpd_tls_protocols', value: '>=TLSv1.2', source: 'main.cf:14' }]);

  it('pickToolchain counts only toolchains of that Postfix or later, and says so', () => {
    expect(pickToolchain(toolchains, { openssl: '1.1' }).toolchain).toBe('debian-bullseye');
    const choice = pickToolchain(toolchains, { openssl: '1.1' }, undefined, '3.6');
    expect(choice.toolchain).toBe('debian-bookworm');
    expect(choice.reason).toContain('among the toolchains with Postfix 3.6 or later');
  });

  it('with only the log\'s OpenSSL format known, runs a Postfix that reads the setting, and names the one it passed over', async () => {
    const choice = await chooseReceiverToolchain(toolchains, {}, { openssl: '1.1', evidence: ['the log\'s OpenSSL error format (1.1.x)'] }, sources, need);
    expect(choice.toolchain).toBe('debian-bookworm');
    expect(choice.reason).toMatch(/not debian-bullseye \(Postfix 3\.5\): main\.cf:14: smtpd_tls_protocols = >=TLSv1\.2: the ">=" \/ "<=" protocol range syntax exists from Postfix 3\.6\.0 on/);
  });

  it('with the Postfix version known, or a toolchain named, keeps it and warns that this Postfix turns TLS off', async () => {
    const known = await chooseReceiverToolchain(toolchains, {}, { postfix: '3.5.25', openssl: '1.1.1w', evidence: ['versions.txt:1'] }, sources, need);
    const named = await chooseReceiverToolchain(toolchains, { toolchain: 'debian-bullseye' }, { evidence: [] }, sources, need);
    for (const choice of [known, named]) {
      expect(choice.toolchain).toBe('debian-bullseye');
      expect(choice.reason).toContain('NOTE: main.cf:14: smtpd_tls_protocols = >=TLSv1.2');
      expect(choice.reason).toContain('runs Postfix 3.5, which logs "Invalid TLS protocol list" for it and turns TLS off');
    }
  });

  it('runs the closest toolchain that builds here, and says so, when the one the versions found pick cannot', async () => {
    const choice = await chooseReceiverToolchain(toolchains, {}, { openssl: '1.0.1', evidence: ['the log\'s OpenSSL error format (1.0.1)'] }, sources);
    expect(choice.toolchain).toBe('debian-bullseye');
    expect(choice.reason).toMatch(/^the closest toolchain that builds here\. NOTE: the closest of all, postfix-2\.6\.6-openssl-1\.0\.1e \(.*\), cannot be built on this machine: its release tarballs are missing \(openssl-1\.0\.1e\.tar\.gz, postfix-2\.6\.6\.tar\.gz;/);
    expect(choice.reason).toMatch(/debian-bullseye runs Postfix 3\.5 with openssl 1\.1\.1: its errors may be worded as another OpenSSL generation words them/);
  });

  it('fails with the closest toolchain that builds here when one named, or asked for by versions, cannot', async () => {
    await expect(chooseReceiverToolchain(toolchains, { opensslVersion: '1.0.1e' }, { evidence: [] }, sources))
      .rejects.toThrow(/cannot be built on this machine.*the closest of them to those versions is debian-bullseye,/);
    await expect(chooseReceiverToolchain(toolchains, { toolchain: 'postfix-2.6.6-openssl-1.0.1e' }, { evidence: [] }, sources)).rejects.toThrow(/\(--toolchain NAME\)\.$/);
  });

  it('changes nothing for a configuration without such a setting', async () => {
    const choice = await chooseReceiverToolchain(toolchains, {}, { openssl: '1.1', evidence: [] }, sources, []);
    expect(choice.toolchain).toBe('debian-bullseye');
    expect(choice.reason).not.toContain('NOTE');
  });
});
