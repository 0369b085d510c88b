import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { peersText, readLogFailures, type LoggedFailure } from '../../../lab/advice/failures.ts';
import { excludedFamilies, formHypotheses, groupsMissing } from '../../../lab/advice/hypotheses.ts';
import { rankOutcome } from '../../../lab/advice/outcome-order.ts';
import { clientRequirementNote, configReproduction, explainFailure, type HypothesisOutcome } from '../../../lab/advice/reproduce.ts';
import { loadSenderProfiles } from '../../../lab/senders/profiles.ts';

const seed = readFileSync(join(import.meta.dirname, '../../fixtures/logs/seed-maillog.log'), 'utf8').split('\n');
const captured = readFileSync(new URL('../../fixtures/configs/captured/bookworm-strict.log', import.meta.url), 'utf8').split('\n');
const profiles = await loadSenderProfiles();

describe('readLogFailures', () => {
  it('groups the reported case by class and decoded error, with peers, evidence and the cipher list', () => {
    const { failures, versions } = readLogFailures(seed);
    expect(failures.map((f) => f.key)).toEqual(['no-shared-cipher: SSL3_GET_CLIENT_HELLO:no shared cipher', 'unknown-protocol: SSL23_GET_CLIENT_HELLO:unknown protocol']);
    expect(failures[0]!.peers.map((p) => p.addr)).toEqual(['209.85.167.44', '209.85.167.47']);
    expect(failures[1]!.peers.map((p) => p.name)).toEqual(['mta3.email.secretescapes.com', 'mta.email.bbc.com']);
    expect(failures[0]!.cipherList).toContain('!RSA+AES');
    expect(failures[1]!.evidence).toContain('server1 postfix/smtpd[1451]: warning: TLS library problem: 1451:error:140760FC:SSL routines:SSL23_GET_CLIENT_HELLO:unknown protocol:s23_srvr.c:647:');
    expect(versions.openssl).toBe('1.0.1');
  });

  it('reads a log the lab captured from its own bookworm receiver', () => {
    expect(readLogFailures(captured).failures.map((f) => f.key)).toEqual(['no-shared-cipher: no shared cipher', 'unsupported-protocol: unsupported protocol']);
  });

  it('takes library errors that no session holds as failures of unnamed peers, unless their process has a failed session', () => {
    const alone = [
      'Mar  3 11:39:34 mail postfix/smtpd[7]: warning: TLS library problem: error:1417D102:SSL routines:tls_process_client_hello:unsupported protocol:../ssl/statem/statem_srvr.c:974:',
      // A bare message, as reports quote them: no header.
      ' warning: TLS library problem: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1407:SSL alert number 40:',
    ];
    const read = readLogFailures(alone);
    expect(read.failures.map((f) => [f.key, f.peers, f.evidence])).toEqual([
      ['unsupported-protocol: tls_process_client_hello:unsupported protocol', [], [alone[0]]],
      ['peer-aborted: ssl3_read_bytes:sslv3 alert handshake failure', [], [alone[1]]],
    ]);
    expect(peersText(read.failures[0]!)).toBe('a peer the log does not name');
    expect(explainFailure(read.failures[0]!, [], [])).toMatch(/^A peer the log does not name failed with "unsupported protocol"/);
    // A named peer keeps the case of its name; a placeholder an admin put for it has no address.
    const named = readLogFailures([
      'Jan  7 06:11:15 m postfix/smtpd[30323]: SSL_accept error from email03.example[192.0.2.76]: -1',
      alone[0]!.replace('mail postfix/smtpd[7]', 'm postfix/smtpd[30323]'),
      'Jan  7 06:11:16 m postfix/smtpd[30324]: SSL_accept error from client_ip: -1',
      alone[0]!.replace('mail postfix/smtpd[7]', 'm postfix/smtpd[30324]'),
    ]);
    expect(named.failures.map((f) => peersText(f))).toEqual(['email03.example[192.0.2.76], client_ip']);
    expect(explainFailure(named.failures[0]!, [], [])).toMatch(/^email03\.example\[192\.0\.2\.76\], client_ip failed with/);
    expect(read.versions.openssl).toBe('1.1.x');
    // Another process's error is a failure of its own beside the log's failed sessions.
    const seedKeys = readLogFailures(seed).failures.map((f) => f.key);
    expect(readLogFailures([alone[0]!, ...seed]).failures.map((f) => f.key)).toEqual([...seedKeys, 'unsupported-protocol: tls_process_client_hello:unsupported protocol']);
    // One of a process whose session failed belongs to that session, which the excerpt cut: it stays out.
    const sameProcess = 'Aug 23 19:34:30 server1 postfix/smtpd[7659]: warning: TLS library problem: 7659:error:1408A0C1:SSL routines:SSL3_GET_CLIENT_HELLO:no shared cipher:s3_srvr.c:1387:';
    expect(readLogFailures([...seed, sameProcess]).failures.map((f) => [f.key, f.evidence.length])).toEqual(readLogFailures(seed).failures.map((f) => [f.key, f.evidence.length]));
  });

  it('takes set-up problems and TLS deferrals that no session holds as failures, with the server their text names', () => {
    const protocols = 'May  3 09:00:00 mx postfix/smtpd[11]: warning: Invalid TLS protocol list "!SSLv2, !TLSv1.9": disabling TLS support';
    const inbound = readLogFailures([protocols]);
    expect(inbound.failures.map((f) => [f.class, f.summary, f.peers, f.evidence])).toEqual([['invalid-local-config', 'invalid TLS protocol list', [], [protocols]]]);
    expect(inbound.outbound).toEqual([]);
    // A set-up problem and the library errors its process logged with it are one failure, named by its cause.
    const setUp = [
      'May  3 09:00:00 mx postfix/smtps/smtpd[16]: warning: Wrapper-mode request dropped from a.example[192.0.2.42] for service smtps. TLS context initialization failed. For details see earlier warnings in your logs.',
      'May  3 09:00:00 mx postfix/smtps/smtpd[16]: warning: cannot get RSA certificate from file "/etc/ssl/mx.pem": disabling TLS support',
      'May  3 09:00:00 mx postfix/smtps/smtpd[16]: warning: TLS library problem: error:80000002:system library::No such file or directory:../providers/implementations/storemgmt/file_store.c:267:calling stat(/etc/ssl/mx.pem)',
      'May  3 09:00:00 mx postfix/smtps/smtpd[16]: warning: TLS library problem: error:0A080002:SSL routines::system lib:../ssl/ssl_rsa.c:451:',
    ];
    const grouped = readLogFailures(setUp);
    expect(grouped.failures.map((f) => [f.class, f.evidence])).toEqual([['invalid-local-config', setUp]]);
    expect(grouped.failures[0]!.explanation).toContain('cannot get RSA certificate from file "/etc/ssl/mx.pem"');

    // The error daemon defers for a destination an smtp process gave up on; its text names the server.
    const suspended = 'May  3 09:00:01 mx postfix/error[12]: 4B2C81E0A5: to=<u@d.example>, relay=none, delay=3600, delays=3600/0.01/0/0, dsn=4.7.4, ' +
      'status=deferred (delivery temporarily suspended: TLS is required, but was not offered by host mx.d.example[192.0.2.40])';
    // A policy table entry the smtp client cannot read, and its effect on the destination's servers.
    const entry = 'May  3 09:00:02 mx postfix/smtp[13]: warning: smtp_tls_policy_maps, next-hop destination "e.example": invalid attribute name: "policy_type"';
    const lookup = 'May  3 09:00:02 mx postfix/smtp[13]: warning: TLS policy lookup for e.example/mx1.e.example: client TLS configuration problem';
    const dane = 'May  3 09:00:03 mx postfix/smtp[14]: 5C3D92F1B6: to=<u@f.example>, relay=none, delay=1.2, delays=1.2/0/0/0, dsn=4.7.5, status=deferred (non DNSSEC destination)';
    const outbound = readLogFailures([suspended, entry, lookup, dane]);
    expect(outbound.failures).toEqual([]);
    expect(outbound.outbound.map((f) => [f.class, f.summary, f.peers])).toEqual([
      ['starttls-not-offered', 'TLS required but not offered', [{ name: 'mx.d.example', addr: '192.0.2.40' }]],
      // The entry and its effect on the lookup, logged by one process: one failure.
      ['invalid-local-config', 'unusable TLS policy table entry', [{ name: 'e.example', addr: '' }]],
      ['invalid-local-config', 'DANE required, destination not DNSSEC-signed', []],
    ]);
    expect(outbound.outbound[2]!.remedy).toContain('level dane');

    // Port 465 without wrapper mode: the client logs the set-up it lacks, then the greeting times out.
    const wrapper = readLogFailures([
      'May  3 09:05:00 mx postfix/smtp[15]: SMTPS wrappermode (TCP port 465) requires setting "smtp_tls_wrappermode = yes", and "smtp_tls_security_level = encrypt" (or stronger)',
      'May  3 09:10:00 mx postfix/smtp[15]: 6D4EA3F2C7: to=<u@h.example>, relay=smtp.h.example[192.0.2.41]:465, delay=300, delays=0/0/300/0, dsn=4.4.2, ' +
        'status=deferred (conversation with smtp.h.example[192.0.2.41] timed out while receiving the initial server greeting)',
    ]);
    expect(wrapper.outbound.map((f) => [f.class, f.summary])).toEqual([['invalid-local-config', 'port 465 without wrapper mode']]);
    expect(wrapper.outbound[0]!.remedy).toContain('smtp_tls_wrappermode = yes');
    // Wrapper mode at a level below encrypt, quoted without header.
    const below = readLogFailures([' warning: smtp_tls_wrappermode requires "smtp_tls_security_level = encrypt" (or stronger)']);
    expect(below.outbound.map((f) => [f.class, f.summary])).toEqual([['invalid-local-config', 'wrapper mode below the encrypt level']]);
    // Not reproduced: the verdict says that no peer causes it, rather than leave the admin to suspect the destinations.
    expect(explainFailure(wrapper.outbound[0]!, [], [])).toContain('No peer causes this failure');
    expect(explainFailure(outbound.outbound[0]!, [], [])).not.toContain('No peer causes this failure');
    // The lab's Postfix logging the same warning with the admin's settings reproduces it, whatever the peer; paths may differ.
    const lab = { receiver: { configWarnings: ['warning: smtp_tls_wrappermode requires "smtp_tls_security_level = encrypt" (or stronger)'] } };
    const byConfig = configReproduction(below.outbound[0]!, [], lab, 'debian-bookworm');
    expect(byConfig?.warning).toBe(lab.receiver.configWarnings[0]);
    expect(explainFailure(below.outbound[0]!, [], [], undefined, undefined, false, byConfig?.note)).toMatch(/Reproduced by the configuration alone: Postfix on debian-bookworm logged the same warning/);
    expect(configReproduction(below.outbound[0]!, [], { receiver: { configWarnings: ['warning: something else'] } }, 'debian-bookworm')).toBeUndefined();
    const certificate = readLogFailures(['mx postfix/smtpd[7]: warning: cannot get RSA certificate from file "/etc/postfix/certs/mail.pem": disabling TLS support']).failures[0]!;
    expect(configReproduction(certificate, [], { receiver: { configWarnings: ['warning: cannot get RSA certificate from file "/lab/receiver/files/mail.pem": disabling TLS support'] } }, 'debian-bookworm')).toBeDefined();
    // A failure a peer reproduced, or of another class, is not the configuration's.
    expect(configReproduction(below.outbound[0]!, ['tls12-only'], lab, 'debian-bookworm')).toBeUndefined();

    // What a report keeps of a deferral: its status and text, the text in its parentheses, or the smtp client's line without its queue id.
    const fragments = [
      'status=deferred (TLS is required, but was not offered by host mx.i.example[192.0.2.43])',
      '(delivery temporarily suspended: Server certificate not verified)',
      'Cannot start TLS: handshake failure',
    ];
    expect(fragments.map((line) => readLogFailures([line]).outbound.map((f) => [f.class, f.peers]))).toEqual([
      [['starttls-not-offered', [{ name: 'mx.i.example', addr: '192.0.2.43' }]]],
      [['certificate-verification', []]],
      [['unknown', []]],
    ]);
    // The log's client required TLS or a verified certificate; a configuration whose client does not says where that came from.
    const [required, verified] = [fragments[0]!, fragments[1]!].map((line) => readLogFailures([line]).outbound[0]!) as [LoggedFailure, LoggedFailure];
    const policy = [{ parameter: 'smtp_tls_policy_maps', value: 'hash:/etc/postfix/tls_policy', action: 'drop' as const, reason: 'per-destination policies', source: 'main.cf:40' }];
    expect(clientRequirementNote(required, { smtp_tls_security_level: 'may' }, [])).toMatch(/required TLS of this server.*at smtp_tls_security_level = may it sends in plaintext.*stricter level, or a per-destination policy.*= encrypt in the folder's main\.cf/);
    expect(clientRequirementNote(required, { smtp_tls_security_level: 'may' }, policy)).toContain('comes from smtp_tls_policy_maps, which the lab leaves out (per-destination policies)');
    expect(clientRequirementNote(verified, { smtp_tls_security_level: 'encrypt' }, [])).toMatch(/required a verified certificate.*at smtp_tls_security_level = encrypt it takes any certificate.*= verify in/);
    // The legacy settings decide when the level is empty: smtp_enforce_tls verifies the name unless told not to.
    expect(clientRequirementNote(verified, { smtp_enforce_tls: 'yes' }, [])).toBe('');
    expect(clientRequirementNote(verified, { smtp_enforce_tls: 'yes', smtp_tls_enforce_peername: 'no' }, [])).toContain('= encrypt it takes any certificate');
    expect(clientRequirementNote(required, { smtp_tls_security_level: 'encrypt' }, [])).toBe('');
    expect(clientRequirementNote(required, {}, [])).toContain('at smtp_tls_security_level = (empty) it sends in plaintext');
    // Prose in parentheses, or a status without a TLS problem, is no failure.
    expect(readLogFailures(['(see the log below)', 'status=deferred (connect to mx.j.example[192.0.2.44]:25: Connection refused)'])).toMatchObject({ failures: [], outbound: [] });
  });

  it('says when the sessions were on a wrapper-mode service, whose master.cf options the lab does not run', () => {
    const smtps = readLogFailures([
      'Nov 28 10:22:08 mx postfix/smtps/smtpd[6718]: connect from unknown[192.0.2.5]',
      'Nov 28 10:22:08 mx postfix/smtps/smtpd[6718]: SSL_accept error from unknown[192.0.2.5]: lost connection',
      'Nov 28 10:22:08 mx postfix/smtps/smtpd[6718]: lost connection after CONNECT from unknown[192.0.2.5]',
      'Nov 28 10:22:08 mx postfix/smtps/smtpd[6718]: disconnect from unknown[192.0.2.5] commands=0/0',
    ]).failures;
    expect(smtps.map((f) => f.class)).toEqual(['unexpected-eof']);
    expect(explainFailure(smtps[0]!, [], [])).toContain('wrapper-mode service (TLS at once, port 465)');
    expect(explainFailure(readLogFailures(seed).failures[0]!, [], [])).not.toContain('wrapper-mode');
  });

  it('a server that requires client certificates: any plain sender reproduces it, and the conclusion blames the requirement', () => {
    const [failure] = readLogFailures([
      'Dec  1 09:12:01 mx postfix/smtpd[2211]: connect from mail-wm1-f44.google.com[209.85.128.44]',
      'Dec  1 09:12:01 mx postfix/smtpd[2211]: Anonymous TLS connection established from mail-wm1-f44.google.com[209.85.128.44]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
      'Dec  1 09:12:01 mx postfix/smtpd[2211]: NOQUEUE: abort: TLS from mail-wm1-f44.google.com[209.85.128.44]: No client certificate presented',
      'Dec  1 09:12:01 mx postfix/smtpd[2211]: disconnect from mail-wm1-f44.google.com[209.85.128.44] ehlo=1 starttls=1 commands=2',
    ]).failures;
    expect(failure).toMatchObject({ class: 'client-certificate', direction: 'inbound', summary: 'client certificate required, none presented' });
    const hypotheses = formHypotheses([failure!], profiles);
    expect(hypotheses.length).toBeGreaterThan(0);
    for (const h of hypotheses) {
      const profile = profiles.get(h.profile ?? '');
      expect(profile?.client).not.toMatch(/^(?:exim|sendmail)$/);
      expect(profile?.tls?.verifyCertificate).not.toBe(true);
    }
    const name = hypotheses[0]!.name;
    const observed = { kind: 'refused' as const, reply: '421 4.7.1 mx Error: No client certificate presented', failureClass: 'client-certificate' };
    const text = explainFailure(failure!, [{
      hypothesis: hypotheses[0]!, failure: failure!.key, match: 'reason', detail: 'same class client-certificate',
      observed: { direction: 'inbound', name, outcome: 'refused', failureClass: 'client-certificate', fate: 'rejected', evidence: '', lines: [], rank: rankOutcome({ observed, fate: { status: 'rejected' } }) },
    }], [name]);
    expect(text).toContain('the cause is this server\'s requirement, not the peers');
  });

  it('says that a certificate alert in another stack\'s words is a near miss of the same rejection', () => {
    const [failure] = readLogFailures(['mx postfix/smtpd[7]: warning: TLS library problem: error:14094416:SSL routines:ssl3_read_bytes:sslv3 alert certificate unknown:../ssl/record/rec_layer_s3.c:1528:SSL alert number 46:']).failures;
    expect(failure?.class).toBe('certificate-verification');
    // The senders that verify the certificate are the hypotheses, not representatives of every kind.
    const hypotheses = formHypotheses([failure!], profiles);
    // Java's alert: the Java profile (a chain it cannot build), and a Java client checking a name the certificate lacks.
    expect(hypotheses.map((h) => h.name).sort()).toEqual(['go-mailer', 'java-app-jdk17', 'probe-java-other-name', 'verifying-sender']);
    expect(hypotheses.find((h) => h.name === 'java-app-jdk17')?.why).toContain('JSSE ends the handshake with "certificate unknown"');
    expect(hypotheses.find((h) => h.name === 'go-mailer')?.why).toContain('in a subjectAltName only');
    expect(hypotheses.find((h) => h.name === 'probe-java-other-name')?.probe).toEqual({
      toolchain: 'debian-bookworm-java', client: 'java', tls: { verifyCertificate: true, trust: 'receiver', verifyHostname: 'other-name.example' },
    });
    const outcome = (match: 'class' | 'none'): HypothesisOutcome => ({
      hypothesis: { name: 'verifying-sender', why: '', reasons: {}, failures: [] }, failure: failure!.key, match, detail: '"tlsv1 alert unknown ca" instead of "sslv3 alert certificate unknown"',
      observed: {
        direction: 'inbound', name: 'verifying-sender', outcome: 'handshake failed: certificate-verification', failureClass: 'certificate-verification', fate: 'not-sent', evidence: '', lines: [],
        rank: rankOutcome({ observed: { kind: 'handshake-failed', failureClass: 'certificate-verification' }, fate: { status: 'not-sent' } }),
      },
    });
    expect(explainFailure(failure!, [outcome('class')], [])).toContain('the same rejection in another TLS stack\'s words');
    expect(explainFailure(failure!, [outcome('none')], [])).not.toContain('another TLS stack');
  });

  it('reads a console\'s log table: columns, padded message text, and set-up lines that tell the daemon', () => {
    const read = readLogFailures([
      '3/5/2024, 9:12:40 AM | info | connect from unknown[192.0.2.50]',
      '3/5/2024, 9:12:40 AM | info | SSL_accept error from unknown[192.0.2.50]: -1',
      '3/5/2024, 9:12:40 AM | warning | warning:  TLS library problem: error:1417D102:SSL  routines:tls_process_client_hello:unsupported  protocol:../ssl/statem/statem_srvr.c:974:',
      '3/5/2024, 9:12:40 AM | info | lost connection after STARTTLS from unknown[192.0.2.50]',
      '5.3.2024 09:12:41\twarning\twarning: TLS policy lookup for g.example/mx.g.example: client TLS configuration problem',
    ]);
    expect(read.failures.map((f) => [f.class, f.peers])).toEqual([['unsupported-protocol', [{ name: 'unknown', addr: '192.0.2.50' }]]]);
    expect(read.failures[0]!.evidence[2]).toBe('3/5/2024, 9:12:40 AM | warning | warning: TLS library problem: error:1417D102:SSL routines:tls_process_client_hello:unsupported protocol:../ssl/statem/statem_srvr.c:974:');
    // The smtp client's, though a library error before it was smtpd's: only the smtp client looks up TLS policies. A
    // set-up problem no session holds counts next to the failed session.
    expect(read.outbound.map((f) => [f.class, f.summary, f.peers])).toEqual([['invalid-local-config', 'unusable TLS policy table entry', [{ name: 'mx.g.example', addr: '' }]]]);
    expect(read.stats).toEqual({ lines: 5, events: 5, unrecognised: 0, foreign: 0 });
  });
});

describe('formHypotheses', () => {
  const { failures } = readLogFailures(seed);
  const hypotheses = formHypotheses(failures, profiles);
  const forFailure = (key: string) => hypotheses.filter((h) => h.failures.includes(key)).map((h) => h.name);

  it('for 1.0.x "unknown protocol": every sender whose highest version is below TLS 1.2, and a probe for the missing range', () => {
    const names = forFailure(failures[1]!.key);
    expect(names).toEqual(expect.arrayContaining(['tls10-only', 'sslv3-to-tls10', 'sslv3-only', 'exchange-2010-pre-sp3-ru9', 'probe-tlsv1-to-tlsv1-1']));
    expect(names).not.toContain('tls10-to-tls12');
    expect(names).not.toContain('gmail-2018');
    expect(hypotheses.find((h) => h.name === 'tls10-only')!.why).toContain('highest version (TLSv1) disabled');
  });

  it('for "no shared cipher": senders with narrow suite lists, and a probe per family the logged list excludes', () => {
    const names = forFailure(failures[0]!.key);
    expect(names).toEqual(expect.arrayContaining(['gmail-2018', 'ecdhe-only', 'dhe-only', 'rsa-kx-only', 'rc4-only', 'probe-only-rsa-aes', 'probe-only-3des', 'probe-only-medium']));
    expect(names).not.toContain('modern-tls13');
    expect(hypotheses.find((h) => h.name === 'probe-only-rsa-aes')).toMatchObject({ family: 'RSA+AES', probe: { tls: { ciphers: 'kRSA+AES:!aNULL:!eNULL:@SECLEVEL=0', maxProtocol: 'TLSv1.2' } } });
  });

  it('for "no shared cipher" where OpenSSL 1.1.1 picks the TLS 1.3 suite: a TLS 1.3 client with only CCM suites', () => {
    const early = 'warning: TLS library problem: error:142090C1:SSL routines:tls_early_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:1779:';
    const later = 'warning: TLS library problem: error:1417A0C1:SSL routines:tls_post_process_client_hello:no shared cipher:../ssl/statem/statem_srvr.c:2313:';
    const v3 = 'warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:1749:';
    const probeFor = (error: string) => formHypotheses(readLogFailures([`mx postfix/smtpd[7]: ${error}`]).failures, profiles).find((h) => h.name === 'probe-tls13-ccm-only');
    expect(probeFor(early)?.probe).toEqual({ toolchain: 'debian-bookworm', client: 'openssl', tls: { minProtocol: 'TLSv1.3', ciphersuites: 'TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256' } });
    expect(probeFor(v3)).toBeDefined();
    expect(probeFor(later)).toBeUndefined();
    // The seed's 1.0.x server has no TLS 1.3.
    expect(formHypotheses(failures, profiles).map((h) => h.name)).not.toContain('probe-tls13-ccm-only');
    const [failure] = readLogFailures([`mx postfix/smtpd[7]: ${early}`]).failures;
    expect(failure?.explanation).toMatch(/^OpenSSL 1\.1\.1 chooses the TLS 1\.3 suite in tls_early_post_process_client_hello/);
    expect(failure?.remedy).toContain('Postfix\'s cipher lists do not reach');
  });

  it('says the server\'s error for "no shared cipher", the client\'s alert for an aborted handshake', () => {
    expect(hypotheses.find((h) => h.name === 'dhe-only')!.why).toMatch(/none of it is left .* the server says "no shared cipher"/);
    const aborted = readLogFailures(['mx postfix/smtpd[7]: warning: TLS library problem: error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1407:SSL alert number 40:']).failures;
    expect(aborted.map((f) => f.class)).toEqual(['peer-aborted']);
    const why = formHypotheses(aborted, profiles).find((h) => h.name === 'dhe-only')!.why;
    expect(why).toContain('ends the handshake with an alert of its own');
    expect(why).not.toContain('none of it is left');
    // A handshake_failure alert is what a client that refuses a small DH group sends.
    expect(formHypotheses(aborted, profiles).find((h) => h.name === 'probe-dhe-level2')?.probe).toEqual({ toolchain: 'debian-bookworm', client: 'openssl', tls: { maxProtocol: 'TLSv1.2', ciphers: 'kDHE:!aNULL:!eNULL' } });
    expect(formHypotheses(failures, profiles).map((h) => h.name)).not.toContain('probe-dhe-level2');
  });

  it('for "no suitable key share": TLS 1.3 senders with their own groups, and a TLS 1.3 probe per common group the server leaves out', () => {
    const lab = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-no-shared-group.log'), 'utf8').split('\n');
    const groups = readLogFailures(lab).failures;
    expect(new Set(groups.map((f) => f.class))).toEqual(new Set(['no-shared-group']));
    const x448 = formHypotheses(groups, profiles, { tls_eecdh_auto_curves: 'X448' });
    // The Go profiles set no groups: they offer the runtime's own, which the hypothesis names.
    expect(x448.map((h) => h.name)).toEqual(['go-crypto-tls', 'go-mailer', 'probe-tls13-group-x25519', 'probe-tls13-group-p-256', 'probe-tls13-group-p-384', 'probe-tls13-group-ffdhe2048']);
    expect(x448[0]!.why).toContain('the groups X25519MLKEM768:X25519:P-256:P-384:P-521 alone');
    expect(x448[2]).toMatchObject({ probe: { toolchain: 'debian-bookworm', client: 'openssl', tls: { minProtocol: 'TLSv1.3', groups: 'X25519' } } });
    expect(x448[2]!.why).toContain('the server\'s groups (X448) leave out');
    // Postfix's default takes the EC groups; before 3.8 it has no FFDHE group.
    expect(formHypotheses(groups, profiles).map((h) => h.name)).toEqual(['go-crypto-tls', 'go-mailer', 'probe-tls13-group-ffdhe2048']);
  });

  it('for "no shared cipher" on a server with an ECDSA certificate alone: a client with only RSA-authenticated suites', () => {
    const noShared = readLogFailures(['mx postfix/smtpd[7]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:../ssl/statem/statem_srvr.c:2220:']).failures;
    const probe = formHypotheses(noShared, profiles, {}, { ecdsaOnly: true }).find((h) => h.name === 'probe-rsa-auth-only');
    expect(probe?.probe).toEqual({ toolchain: 'debian-bookworm-legacy-openssl', client: 'openssl', tls: { maxProtocol: 'TLSv1.2', ciphers: 'aRSA:!aNULL:!eNULL:@SECLEVEL=0' } });
    expect(formHypotheses(noShared, profiles).map((h) => h.name)).not.toContain('probe-rsa-auth-only');
  });

  it('knows the aliases of a server\'s group list and the FFDHE groups of Postfix 3.8 and later', () => {
    expect(groupsMissing({})).toEqual(['ffdhe2048']);
    expect(groupsMissing({ tls_eecdh_auto_curves: 'secp256r1:x25519' })).toEqual(['P-384', 'ffdhe2048']);
    expect(groupsMissing({ tls_eecdh_auto_curves: 'prime256v1', tls_ffdhe_auto_groups: 'ffdhe2048 ffdhe3072' })).toEqual(['X25519', 'P-384']);
  });

  it('never proposes a real MTA client (its own retries would hide the error)', () => {
    expect(hypotheses.some((h) => profiles.get(h.name)?.client === 'postfix')).toBe(false);
  });

  it('for "inappropriate fallback": the senders that retry with TLS_FALLBACK_SCSV', () => {
    const log = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-fallback-scsv.log'), 'utf8').split('\n');
    const fallback = readLogFailures(log).failures;
    expect(new Set(fallback.map((f) => f.class))).toEqual(new Set(['inappropriate-fallback']));
    expect(formHypotheses(fallback, profiles).map((h) => h.name)).toEqual(['tls12-fallback-scsv']);
  });

  it('for failures a misbehaving peer causes: raw probes, chosen by the logged reason', () => {
    const log = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-misbehaving-clients.log'), 'utf8').split('\n');
    const found = readLogFailures(log).failures;
    const names = (cls: string, reason?: string) => formHypotheses(found.filter((f) => f.class === cls && (reason === undefined || f.error?.reason === reason)), profiles).map((h) => h.name);
    expect(names('plaintext-after-starttls', 'http request')).toEqual(['probe-raw-http-request']);
    expect(names('plaintext-after-starttls', 'wrong version number')).toEqual(['probe-raw-plaintext-smtp']);
    expect(names('unknown-protocol')).toContain('probe-raw-sslv2-hello');
    expect(names('unexpected-eof')).toEqual(expect.arrayContaining(['probe-raw-close', 'probe-raw-truncated-hello']));
    expect(formHypotheses(found, profiles).find((h) => h.name === 'probe-raw-close')?.probe).toEqual({ toolchain: 'debian-bookworm', client: 'raw', afterStarttls: 'close' });
  });

  it('for TLS bytes that break the protocol: the raw probe that sends the same kind, none for a corrupted record', () => {
    const log = readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-protocol-violations.log'), 'utf8').split('\n');
    const found = readLogFailures(log).failures;
    expect(new Set(found.map((f) => f.class))).toEqual(new Set(['protocol-violation']));
    const names = (reason: string) => formHypotheses(found.filter((f) => f.error?.reason === reason), profiles).map((h) => h.name);
    expect(names('unexpected message')).toEqual(['probe-raw-unexpected-message']);
    expect(names('length mismatch')).toEqual(['probe-raw-malformed-hello']);
    expect(names('packet length too long')).toEqual(['probe-raw-oversized-record']);
    expect(names('data length too long')).toEqual(['probe-raw-oversized-record']);
    const corrupted = readLogFailures([
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: connect from unknown[10.10.0.101]',
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: SSL_accept error from unknown[10.10.0.101]: -1',
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: warning: TLS library problem: 23025:error:1408F119:SSL routines:SSL3_GET_RECORD:decryption failed or bad record mac:s3_pkt.c:484:',
      'Aug 25 14:40:01 mail postfix/smtpd[23025]: lost connection after STARTTLS from unknown[10.10.0.101]',
    ]).failures;
    expect(corrupted.map((f) => f.class)).toEqual(['protocol-violation']);
    expect(formHypotheses(corrupted, profiles).filter((h) => h.name.startsWith('probe-raw-'))).toEqual([]);
  });

  it('for a TLS hello without STARTTLS: an s_client that starts TLS at once', () => {
    const found = readLogFailures([
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: connect from unknown[192.168.80.4]',
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: improper command pipelining after CONNECT from unknown[192.168.80.4]: \\026\\003\\001\\001>\\001',
      'Nov 29 16:00:39 receiver postfix/smtpd[141]: lost connection after CONNECT from unknown[192.168.80.4]',
    ]).failures;
    expect(found.map((f) => f.class)).toEqual(['implicit-tls']);
    expect(formHypotheses(found, profiles).map((h) => [h.name, h.probe])).toEqual([
      ['probe-implicit-tls', { toolchain: 'debian-bookworm', client: 'openssl', starttls: 'implicit', tls: {} }],
    ]);
  });

  it('for a client\'s "certificate expired" or "bad certificate": clients that trust the certificate and check its dates or name', () => {
    const alert = (reason: string, number: number) => readLogFailures([
      'May  1 10:00:00 mx postfix/smtpd[9]: connect from client.example[192.0.2.9]',
      'May  1 10:00:00 mx postfix/smtpd[9]: SSL_accept error from client.example[192.0.2.9]: -1',
      `May  1 10:00:00 mx postfix/smtpd[9]: warning: TLS library problem: error:0A00041${number === 45 ? 5 : 2}:SSL routines::sslv3 alert ${reason}:../ssl/record/rec_layer_s3.c:1601:SSL alert number ${number}:`,
      'May  1 10:00:00 mx postfix/smtpd[9]: lost connection after STARTTLS from client.example[192.0.2.9]',
    ]).failures;
    const now = new Date('2026-01-01T00:00:00Z');
    const expired = formHypotheses(alert('certificate expired', 45), profiles, {}, { now });
    expect(expired.find((h) => h.name === 'probe-verify-expired')?.probe).toEqual({ toolchain: 'debian-bookworm', client: 'openssl', tls: { verifyCertificate: true, trust: 'receiver', verifyAt: '2036-12-29' } });
    expect(expired.map((h) => h.name)).toContain('verifying-sender');
    const name = formHypotheses(alert('bad certificate', 42), profiles, {}, { now });
    expect(name.filter((h) => h.probe !== undefined).map((h) => [h.name, h.probe?.client === 'openssl' ? h.probe.tls : undefined])).toEqual([
      ['probe-verify-other-name', { verifyCertificate: true, trust: 'receiver', verifyHostname: 'other-name.example' }],
      ['probe-verify-not-yet-valid', { verifyCertificate: true, trust: 'receiver', verifyAt: '2000-01-01' }],
    ]);
    expect(alert('bad certificate', 42)[0]?.explanation).toContain('does not carry the name they connected by');
    expect(alert('certificate expired', 45)[0]?.remedy).toContain('postfix reload');
    expect(formHypotheses(alert('unknown ca', 48), profiles, {}, { now }).some((h) => h.name.startsWith('probe-verify-'))).toBe(false);
    // With the admin's own certificate, a client that checks it as it is, by the server's name, comes first.
    const own = formHypotheses(alert('certificate expired', 45), profiles, {}, { now, ownCertificate: { hostname: 'mx.example.org' } }).filter((h) => h.probe !== undefined);
    expect(own.map((h) => h.name)).toEqual(['probe-verify-today', 'probe-verify-expired']);
    expect(own[0]?.probe).toEqual({ toolchain: 'debian-bookworm', client: 'openssl', tls: { verifyCertificate: true, trust: 'receiver', verifyHostname: 'mx.example.org' } });
    expect(formHypotheses(alert('unknown ca', 48), profiles, {}, { now, ownCertificate: {} }).some((h) => h.name.startsWith('probe-verify-'))).toBe(false);
    // Java's "certificate unknown": Java clients check it, today by the server's name, then by another name.
    const java = formHypotheses(alert('certificate unknown', 46), profiles, {}, { now, ownCertificate: { hostname: 'mx.example.org' } }).filter((h) => h.probe !== undefined);
    expect(java.map((h) => [h.name, h.probe?.client, h.probe?.client === 'java' ? h.probe.tls.verifyHostname : undefined])).toEqual([
      ['probe-java-today', 'java', 'mx.example.org'],
      ['probe-java-other-name', 'java', 'other-name.example'],
    ]);
    expect(alert('certificate unknown', 46)[0]?.explanation).toContain('for an expired certificate they send "certificate expired"');
  });

  it('reads excluded families from the logged list and the admin exclusions', () => {
    expect(excludedFamilies('ALL:!aNULL:!3DES:!RSA+AES', 'kRSA, aNULL')).toEqual(['3DES', 'RSA+AES', 'kRSA']);
  });
});

describe('readLogFailures, outbound', () => {
  it('groups failed smtp sessions apart from inbound ones, each peer once', () => {
    const { failures, outbound } = readLogFailures(readFileSync(join(import.meta.dirname, '../../fixtures/logs/lab-legacy-renegotiation.log'), 'utf8').split('\n'));
    expect(failures).toEqual([]);
    expect(outbound.map((f) => [f.direction, f.key, f.peers.map((p) => p.addr)])).toEqual([
      ['outbound', 'outbound unsafe-legacy-renegotiation: unsafe legacy renegotiation disabled', ['172.27.0.2', '172.28.0.2']],
    ]);
  });
});
