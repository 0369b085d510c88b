import { requiresStarttls } from './events.ts';
import { receivedAlert } from './openssl-error.ts';
import { compareVersions } from './versions.ts';
import type { FailureClass, OpensslError, OpensslGeneration } from './types.ts';

/** What the explanation of one failed session may depend on. */
export interface ExplainContext {
  side: 'smtpd' | 'smtp';
  generation?: OpensslGeneration;
  postfixVersion?: string;
  error?: OpensslError;
  /** `TLS cipher list "..."` in force for this session, when logged. */
  cipherList?: string;
  /** Handshake progressed past the server hello before the error. */
  pastServerHello: boolean;
  /** Extra text from the evidence (protocol list, delivery status text, alert name). */
  detail?: string;
  /** The server's port, for an outbound session that logged it. */
  port?: number;
  /** Only `lost connection after STARTTLS` tells of the handshake: how it ended is not in the log. */
  handshakeUnlogged?: boolean;
  /** The handshake began before any SMTP command: a wrapper-mode listener (smtps, port 465). */
  wrapperMode?: boolean;
  /** The fatal alert this side sent (smtpd_tls_loglevel 2), when no library error names the reason. */
  alertSent?: string;
  /** Seconds from the session's start to a handshake end logged as a bare return code, which told a timeout. */
  silentSeconds?: number;
  /** This side's STARTTLS timeout in seconds, as the caller gave it. */
  starttlsTimeout?: number;
  /** The name the client asked for by SNI, which tls_server_sni_maps has no chain for. */
  sniUnmatched?: string;
  /** The RFC 8460 result type of Postfix's TLSRPT line, when that line alone told of the failure (`tlsrptType`). */
  tlsrptType?: string;
  /** The client's certificate alert came after a handshake smtpd logged as established (a GnuTLS client, such as Exim). */
  rejectedAfterHandshake?: boolean;
  /** smtpd_tls_req_ccert's verdict after a complete handshake: no client certificate, or one the server does not trust. */
  clientCertificate?: 'missing' | 'untrusted';
}

export interface Explained {
  summary: string;
  explanation: string;
  remedy: string;
}

/** RFC 8460's result types (section 4.3) that name no failure class, as Postfix writes them. */
const TLSRPT_MEANINGS: Readonly<Record<string, string>> = {
  validation_failure: 'a failure RFC 8460 has no more specific type for.',
  sts_policy_fetch_error: 'the destination\'s MTA-STS policy could not be fetched (the HTTPS request to mta-sts.<domain> failed), so no policy applied.',
  sts_policy_invalid: 'the destination\'s MTA-STS policy was fetched but is not valid.',
  sts_webpki_invalid: 'the HTTPS server of the destination\'s MTA-STS policy presented a certificate that failed PKIX validation; this is the policy server\'s certificate, not the mail server\'s.',
  dnssec_invalid: 'the DNS answers for the destination did not validate under DNSSEC, so DANE could not apply.',
  dane_required: 'this side requires DANE for the destination, and no DNSSEC-validated TLSA records were found for the MX host.',
};

/** OpenSSL reasons and alerts for a record that failed its integrity check or did not decrypt. */
const CORRUPT_RECORD = /bad record mac|decryption failed|block cipher pad is wrong/;
const CORRUPT_CAUSES = 'The bytes changed on the way (a firewall or proxy that inspects or rewrites SMTP, as an "ESMTP inspection" or "SMTP fixup" feature does, or a faulty network card offload), or the two stacks disagree about one cipher (2012 reports had Gmail and RC4-MD5).';
const CORRUPT_REMEDY = 'Turn off SMTP inspection on firewalls between the two and retry; if the failures come with one cipher only, exclude it (smtpd_tls_exclude_ciphers or smtp_tls_exclude_ciphers).';

const is1_0 = (g: OpensslGeneration | undefined): boolean => g === '1.0.1' || g === '1.0.2' || g === '1.0.x';
const capitalized = (text: string): string => `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
const label = (g: OpensslGeneration | undefined): string => (g === undefined ? 'OpenSSL (generation unknown)' : `OpenSSL ${g}`);

function postfixBefore(ctx: ExplainContext, version: string): boolean {
  return ctx.postfixVersion !== undefined && compareVersions(ctx.postfixVersion, version) < 0;
}

/** Peer and local roles in words, seen from the Postfix process that logged the session. */
function roles(ctx: ExplainContext): { peer: string; local: string } {
  return ctx.side === 'smtpd' ? { peer: 'the sending client', local: 'this server' } : { peer: 'the receiving server', local: 'this Postfix client' };
}

type Explainer = (ctx: ExplainContext) => Explained;

/** The session is smtpd's on a listener where TLS starts at once (smtps, port 465). */
function wrapperListener(ctx: ExplainContext): boolean {
  return ctx.wrapperMode === true && ctx.side === 'smtpd';
}

/** OpenSSL 1.1.1 picks the TLS 1.3 suite in tls_early_post_process_client_hello, where Postfix's cipher lists have no say. */
function tls13SuiteChoice(side: ExplainContext['side'], error: OpensslError | undefined): boolean {
  return side === 'smtpd' && error?.func?.toLowerCase() === 'tls_early_post_process_client_hello';
}

const CHAIN_REMEDY = 'Serve a certificate from a CA the senders trust, for the name they connect to, with its whole chain (smtpd_tls_chain_files, or the intermediates after the certificate in smtpd_tls_cert_file).';

const CLIENT_CERT_REMEDY = 'set smtp_tls_chain_files (or smtp_tls_cert_file and smtp_tls_key_file) to a certificate from a CA the destination trusts (ask its postmaster which), on a transport of its own (master.cf -o) if other destinations need none';

/** smtpd_tls_req_ccert = yes refused the client after the handshake (smtpd.c's `NOQUEUE: abort: TLS from ...` and 421 reply). */
function requiredClientCertificate(side: 'smtpd' | 'smtp', verdict: 'missing' | 'untrusted', detail: string | undefined, afterHandshake: boolean): Explained {
  const quoted = detail === undefined ? '' : ` (${detail})`;
  const ended = afterHandshake ? 'The handshake completed; smtpd then logged `NOQUEUE: abort: TLS from ...` and answered 421 4.7.1' : 'The server ended the handshake';
  if (side === 'smtp') {
    return verdict === 'missing'
      ? {
        summary: 'destination requires a client certificate',
        explanation: `The destination's server requires a client certificate and this Postfix presented none${quoted}. The handshake completed; the server then answered 421 and closed, so the message is deferred and every retry ends the same way. Postfix's smtp client presents a certificate only when smtp_tls_chain_files or smtp_tls_cert_file is set.`,
        remedy: `If the destination is meant to require certificates, ${CLIENT_CERT_REMEDY}. A public MX that does this refuses all Internet mail: tell its postmaster.`,
      }
      : {
        summary: 'destination does not trust the client certificate',
        explanation: `The destination's server requires a client certificate it trusts, and the one this Postfix presented does not chain to a CA it trusts${quoted}. The handshake completed; the server then answered 421 and closed, so the message is deferred and every retry ends the same way.`,
        remedy: `Present another certificate: ${CLIENT_CERT_REMEDY}; or have the destination add the CA that issued yours.`,
      };
  }
  return verdict === 'missing'
    ? {
      summary: 'client certificate required, none presented',
      explanation: `This server requires a client certificate (smtpd_tls_req_ccert = yes, which takes effect only with smtpd_tls_security_level = encrypt) and the client presented none. ${ended}, so the client defers and retries in vain. MTAs on the Internet present no client certificate (Postfix's smtp client sends one only when smtp_tls_chain_files or smtp_tls_cert_file is set), so on a listener that takes mail from the Internet this refuses every sender.`,
      remedy: 'Set smtpd_tls_req_ccert = no where mail comes from the Internet; to ask for certificates without requiring them (for permit_tls_clientcerts), use smtpd_tls_ask_ccert = yes. Require them only on a listener of their own (master.cf -o smtpd_tls_req_ccert=yes) for clients that have them.',
    }
    : {
      summary: 'client certificate not trusted',
      explanation: `This server requires a trusted client certificate (smtpd_tls_req_ccert = yes) and the client's does not chain to a CA in smtpd_tls_CAfile or smtpd_tls_CApath${quoted}. ${ended}, so the client defers and retries in vain.`,
      remedy: 'Add the CA that issued the client\'s certificate (with its intermediates) to smtpd_tls_CAfile and run `postfix reload`, or have the client present a certificate from a CA listed there. The `certificate verification failed for ...` line of the session says why its certificate failed.',
    };
}

/**
 * An alert the smtp client received about its own certificate: the server verified the client certificate during
 * the handshake and refused it. In TLS 1.3 that comes after the client's Finished (`afterHandshake`).
 */
function rejectedClientCertificate(alert: string, afterHandshake: boolean): Explained {
  const late = afterHandshake
    ? ' In TLS 1.3 the server checks the client\'s certificate after the client has finished its half of the handshake, so this Postfix logged `TLS connection established` first: the session failed all the same, and when the message is old enough, Postfix resends it in plaintext on a new connection (opportunistic TLS).'
    : '';
  if (/certificate required/.test(alert)) {
    return {
      summary: afterHandshake ? 'destination requires a client certificate (after the handshake)' : 'destination requires a client certificate',
      explanation: `The destination's server requires a client certificate during the handshake (${alert}) and this Postfix presented none: its smtp client presents one only when smtp_tls_chain_files or smtp_tls_cert_file is set.${late}`,
      remedy: `If the destination is meant to require certificates, ${CLIENT_CERT_REMEDY}.`,
    };
  }
  return {
    summary: afterHandshake ? 'destination rejected the client certificate (after the handshake)' : 'destination rejected the client certificate',
    explanation: `The destination's server asked for a client certificate and rejected the one this Postfix presented (${alert}): it does not chain to a CA the server trusts, has expired, or may not serve TLS clients (extendedKeyUsage without clientAuth). An alert about a certificate concerns the one its receiver sent: here, this Postfix's own.${late}`,
    remedy: `Present another certificate: ${CLIENT_CERT_REMEDY}. Without smtp_tls_cert_file and smtp_tls_chain_files, Postfix presents no certificate, and a server that only asks for one then goes on without it.`,
  };
}

/**
 * What a client's alert about this server's certificate says. OpenSSL clients map their verification error onto
 * the alert (ssl_x509err2alert): an untrusted issuer is "unknown ca", an expired certificate "certificate expired",
 * a name mismatch or a start date still ahead "bad certificate"; other stacks send one alert for every rejection.
 */
function rejectedCertificate(alert: string): { explanation: string; remedy: string } {
  const rejected = `The sending client rejected this server's certificate (${alert})`;
  if (/certificate expired/.test(alert)) {
    return {
      explanation: `${rejected}: by its clock the certificate's end date has passed. Often a renewed certificate is on disk while Postfix still serves the old one (it reads the files when an smtpd process starts, after \`postfix reload\`), or a master.cf listener's own -o smtpd_tls_cert_file names an older file.`,
      remedy: 'Renew the certificate and run `postfix reload`; check the dates each port serves: `openssl s_client -connect HOST:25 -starttls smtp </dev/null | openssl x509 -noout -dates` (without -starttls on port 465).',
    };
  }
  if (/bad certificate/.test(alert)) {
    return {
      explanation: `${rejected}: OpenSSL clients send "bad certificate" when the certificate does not carry the name they connected by (a webmail or client that connects to localhost or an address, an MX or submission name missing from the certificate) or is not yet valid by their clock; Go and GnuTLS clients send it for any certificate they cannot verify.`,
      remedy: 'Serve a certificate valid now whose names include every name clients connect by, or have the client connect by a name the certificate carries. ' + CHAIN_REMEDY,
    };
  }
  if (/unsupported certificate/.test(alert)) {
    return {
      explanation: `${rejected}: OpenSSL clients send "unsupported certificate" when the certificate may not serve a TLS server, its extended key usage leaving out serverAuth (a client or S/MIME certificate installed as the server's).`,
      remedy: 'Serve a certificate issued for TLS server authentication (extendedKeyUsage serverAuth). ' + CHAIN_REMEDY,
    };
  }
  if (/certificate unknown/.test(alert)) {
    return {
      explanation: `${rejected}: Java clients (JSSE, as JavaMail and Java applications use it) send "certificate unknown" for a chain they cannot build (a self-signed certificate, a private CA, a missing intermediate, an issuer not in their trust store) and for a name the certificate lacks; for an expired certificate they send "certificate expired", as OpenSSL clients do. OpenSSL clients send it only for the rare errors no other alert names.`,
      remedy: CHAIN_REMEDY,
    };
  }
  return {
    explanation: `${rejected}: it requires one it can verify (an MTA-STS policy in enforce mode, DANE, a "TLS required" connector), and this one is self-signed, from a private CA, expired, or served without its intermediate certificates.`,
    remedy: CHAIN_REMEDY,
  };
}

const EXPLAINERS: Record<FailureClass, Explainer> = {
  'no-shared-cipher': (ctx) => {
    const { peer, local } = roles(ctx);
    if (tls13SuiteChoice(ctx.side, ctx.error)) {
      return {
        summary: 'no shared cipher',
        explanation: 'OpenSSL 1.1.1 chooses the TLS 1.3 suite in tls_early_post_process_client_hello: the client negotiated TLS 1.3 and offered none of the TLS 1.3 suites this server enables. OpenSSL enables TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 and TLS_AES_128_GCM_SHA256 by default and leaves the CCM suites off; clients that offer only those are mostly scanners and some embedded stacks. Postfix\'s cipher settings (smtpd_tls_ciphers, smtpd_tls_exclude_ciphers, tls_*_cipherlist) choose the suites of TLS 1.2 and older, not these.',
        remedy: 'From a scanner, nothing needs to change. Otherwise have the client offer a GCM or ChaCha20 suite, or add its suite to OpenSSL\'s own Ciphersuites setting (openssl.cnf), which Postfix\'s cipher lists do not reach.',
      };
    }
    let explanation = `None of the cipher suites ${peer} offered is allowed by ${local}'s cipher list together with its certificate and key-exchange settings.`;
    if (ctx.side === 'smtpd') explanation += ' The certificate counts too: with an ECDSA certificate and no RSA one, a client that offers only RSA-authenticated suites (RSA key exchange, ECDHE-RSA, DHE-RSA) has none to use.';
    if (ctx.side === 'smtpd' && (ctx.generation === '1.1.x' || ctx.generation === '3.x')) {
      explanation += ' The cipher list governs TLS 1.2 and older only; TLS 1.3 has suites of its own. A list cut down too far therefore still serves TLS 1.3 clients, while clients that cannot do TLS 1.3 get this error: the server is TLS 1.3-only in effect.';
    }
    if (is1_0(ctx.generation) && (ctx.postfixVersion === undefined || postfixBefore(ctx, '2.8'))) {
      explanation += ' With Postfix 2.6/2.7 on OpenSSL 1.0.x, ECDHE is off unless smtpd_tls_eecdh_grade is set, so only DHE and plain-RSA suites remain; excluding RSA+AES or 3DES leaves senders that offer no DHE suite (modern Gmail, for one) with nothing.';
    }
    if (ctx.cipherList !== undefined) explanation += ` Cipher list in force: "${ctx.cipherList}".`;
    return {
      summary: 'no shared cipher',
      explanation,
      remedy: 'Widen the cipher list (drop exclusions such as !RSA+AES or !3DES, or return to the default grade) and enable ECDHE (smtpd_tls_eecdh_grade = strong on Postfix 2.6–2.7); with an ECDSA certificate alone, serve an RSA one beside it (smtpd_tls_cert_file RSA, smtpd_tls_eccert_file ECDSA); then compare with the suites the peer offers.',
    };
  },
  'no-shared-group': (ctx) => ctx.side === 'smtpd'
    ? {
      summary: 'no shared key-exchange group',
      explanation: 'The client negotiated TLS 1.3 and this server supports none of the key-exchange groups it offered, so there is no key share to agree on (OpenSSL: "no suitable key share"). TLS 1.3 chooses the version before the group: a client that could do TLS 1.2 with this server fails all the same, and an opportunistic sender then delivers in plaintext or defers. This server\'s groups come from tls_eecdh_auto_curves (Postfix 3.2 and later; with OpenSSL 3 and Postfix 3.8 and later, also tls_ffdhe_auto_groups), or from a Groups setting of openssl.cnf; a list cut down to X448, to FFDHE groups or to a post-quantum hybrid leaves out what most senders offer: X25519 and P-256.',
      remedy: 'Keep X25519 and prime256v1 (P-256) among the groups: remove tls_eecdh_auto_curves to get Postfix\'s default (X25519, X448, prime256v1, secp384r1 and secp521r1; 3.8 and later add ffdhe2048 and ffdhe3072 through tls_ffdhe_auto_groups), or add them to it, and check openssl.cnf for a Groups or Curves line.',
    }
    : {
      summary: 'no shared key-exchange group',
      explanation: 'The TLS 1.3 handshake found no key-exchange group both sides support: this Postfix, as the client, had no key share the server accepts, or none of its own groups could be offered (tls_eecdh_auto_curves, tls_ffdhe_auto_groups, or a Groups setting of openssl.cnf).',
      remedy: 'Restore Postfix\'s default groups (remove tls_eecdh_auto_curves and tls_ffdhe_auto_groups) or include X25519 and prime256v1; if the server accepts only groups this OpenSSL lacks, only the server can change that.',
    },
  'unknown-protocol': (ctx) => {
    if (is1_0(ctx.generation) || ctx.generation === undefined) {
      const wrapper = wrapperListener(ctx);
      return {
        summary: 'unknown protocol',
        explanation: `${label(ctx.generation)} (s23_srvr.c) found no hello it accepts in the first bytes ${wrapper ? 'of the connection' : 'after STARTTLS'}. This does NOT mean the client speaks SSLv3. ` +
          (wrapper
            ? 'On this wrapper-mode listener (TLS at once, port 465) the usual cause is a client that speaks plaintext SMTP first (a mail client set to STARTTLS or to no encryption there), a scanner, or a proxy that sends a PROXY header. Otherwise, as after STARTTLS in 1.0.x: '
            : 'In 1.0.x it means: ') +
          'the highest version the client offered is disabled here (e.g. a TLS 1.0-only client against !TLSv1; 1.0.x never picks a version above the client\'s offer), or an SSLv3-only client when SSLv3 and TLSv1 are both off, or a pure SSLv2 hello with SSLv2 disabled' +
          (wrapper ? '.' : ', or non-TLS bytes (plaintext SMTP) after STARTTLS.'),
        remedy: (wrapper ? 'Set a mail client to SSL/TLS (implicit TLS) for port 465, or to STARTTLS on port 587. If the client does speak TLS: ' : '') +
          're-enable the client\'s highest version (usually TLSv1: smtpd_tls_protocols = !SSLv2, !SSLv3 and the same for smtpd_tls_mandatory_protocols) or have the sender upgrade. Re-enabling SSLv3 instead also "works" in 1.0.x, only because the server then falls back to SSLv3 — a weaker fix.',
      };
    }
    return {
      summary: 'unknown protocol',
      explanation: `In ${label(ctx.generation)} this reason means a genuine SSLv2-format ClientHello; 1.1.0 and later have no SSLv2 at all, so the peer is an ancient stack or a scanner.`,
      remedy: 'Nothing on this side can accept SSLv2; the sender must upgrade its TLS library.',
    };
  },
  'unsupported-protocol': (ctx) => {
    if (ctx.side === 'smtp') {
      return {
        summary: 'unsupported protocol',
        explanation: `The receiving server chose a protocol version that ${label(ctx.generation)} on this client has disabled (smtp_tls_protocols, MinProtocol in openssl.cnf, or the security level).`,
        remedy: 'Allow the server\'s version in smtp_tls_protocols / smtp_tls_mandatory_protocols (and in OpenSSL 3.1+ set SECLEVEL 0 for TLS 1.0/1.1), or ask the receiver to enable a newer version.',
      };
    }
    if (is1_0(ctx.generation)) {
      return {
        summary: 'unsupported protocol',
        explanation: 'In OpenSSL 1.0.x (s23_srvr.c) this is an SSLv2-format hello while SSLv2 is allowed by the configuration but the library was built without SSLv2 (no-ssl2, the default since 1.0.2g).',
        remedy: 'The sender must stop sending SSLv2 hellos (upgrade it); SSLv2 cannot be re-enabled usefully.',
      };
    }
    return {
      summary: 'unsupported protocol',
      explanation: `Every version the client offered is disabled on this server in ${label(ctx.generation)}: by smtpd_tls_protocols or the security level (in OpenSSL 3.1+ TLS 1.0/1.1 are allowed only at SECLEVEL 0), or by MinProtocol in openssl.cnf where that binds Postfix (Debian 11's MinProtocol = TLSv1.2 does not bind its Postfix 3.5). The client sees alert 70 "protocol version".`,
      remedy: 'Allow the client\'s highest version for this listener (e.g. smtpd_tls_protocols = >=TLSv1 and, with OpenSSL 3.1+, tls_high_cipherlist/…:@SECLEVEL=0) or have the sender enable TLS 1.2.',
    };
  },
  'version-too-low': (ctx) => ({
    summary: 'version too low',
    explanation: `${label(ctx.generation)} has no protocol method at or below the version the peer offered (e.g. an SSLv3-only client against a build without ssl3, the default for 1.1.0+). Configuration alone cannot enable it.`,
    remedy: 'Upgrade the sender to TLS 1.0 or newer; only a library built with enable-ssl3 enable-ssl3-method (and SECLEVEL 0) would accept SSLv3.',
  }),
  'wrong-version-number': (ctx) => {
    if (ctx.side === 'smtp') {
      const plaintextPort = ctx.port !== undefined && ctx.port !== 465;
      return {
        summary: 'wrong version number',
        explanation: 'The receiving server answered with bytes that are not a TLS record of an acceptable version (often plaintext where TLS was expected).' +
          (plaintextPort
            ? ` On port ${ctx.port} a server greets in plaintext and starts TLS only after STARTTLS: with smtp_tls_wrappermode = yes for this destination, the client starts TLS at once and reads that greeting as a TLS record.`
            : ctx.port === undefined
              ? ' A common cause: smtp_tls_wrappermode = yes (TLS at once, as port 465 expects) for a destination on port 25 or 587, which greets in plaintext first.'
              : ''),
        remedy: plaintextPort
          ? `If smtp_tls_wrappermode = yes applies to this destination, use it only with port 465 (SMTPS); for port ${ctx.port} turn it off and require STARTTLS with smtp_tls_security_level = encrypt. Otherwise check that the server really supports STARTTLS on this port and is not behind a proxy that answers in plaintext.`
          : ctx.port === undefined
            ? 'Use smtp_tls_wrappermode = yes only for port 465 (SMTPS). Otherwise check that the server really supports STARTTLS on this port and is not behind a proxy that answers in plaintext.'
            : 'Check that the server really supports STARTTLS on this port and is not behind a proxy that answers in plaintext.',
      };
    }
    const func = ctx.error?.func?.toLowerCase() ?? '';
    if (func.includes('get_client_hello')) {
      return {
        summary: 'wrong version number',
        explanation: `${label(ctx.generation)}: the client sent an SSLv3 hello while SSLv3 is disabled and TLS 1.0 is enabled here; the server selected TLS 1.0 and rejected the SSLv3 hello.`,
        remedy: 'Have the sender enable TLS 1.0 or newer; re-enabling SSLv3 on this server would also work but is not advisable.',
      };
    }
    return {
      summary: 'wrong version number',
      explanation: ctx.pastServerHello
        ? 'After the server hello, a record arrived with a protocol version other than the one negotiated; the client did not follow the server\'s version choice or sent something else (seen with clients that abort in their own way after checking the server\'s parameters).'
        : 'A record arrived whose version field is not a TLS version; usually the client sent non-TLS bytes after STARTTLS.',
      remedy: 'Compare with the client\'s own log; if the client rejects the server\'s parameters (DH size, cipher), fix those.',
    };
  },
  'alert-protocol-version': (ctx) => {
    const { peer, local } = roles(ctx);
    return {
      summary: 'peer sent alert "protocol version"',
      explanation: `${capitalized(peer)} rejected the protocol version ${local} offered or chose (alert 70): no version suits both. Its minimum is above ${local}'s maximum, or its maximum is below ${local}'s minimum (a hello with TLS 1.3 enabled lists the versions it accepts, so an older server refuses it instead of answering with its own version), or its security level forbids the version.`,
      remedy: `Make the two version ranges overlap: a newer protocol on the older side (upgrade OpenSSL if it lacks TLS 1.2), or an older one allowed on the newer side.`,
    };
  },
  'inappropriate-fallback': (ctx) => {
    const { peer, local } = roles(ctx);
    const refusedHere = ctx.error?.reason.toLowerCase() === 'inappropriate fallback';
    return {
      summary: 'inappropriate fallback',
      explanation: refusedHere
        ? `${capitalized(peer)} retried at a lower protocol version and marked the retry with TLS_FALLBACK_SCSV, while ${local} supports a higher version; RFC 7507 requires refusing such a downgrade (alert 86). This session is the symptom: the peer's earlier attempt at the higher version failed first (a middlebox, a TLS 1.3 or record-size problem on the path).`
        : `${capitalized(local)} retried at a lower protocol version with TLS_FALLBACK_SCSV and ${peer} refused the downgrade (alert 86): it supports a higher version, so the earlier attempt at that version failed for another reason.`,
      remedy: 'Find why the attempt at the higher version failed (the same peer\'s previous session, or a middlebox on the path). Disabling the higher version here would silence this error but downgrade every peer.',
    };
  },
  'no-suitable-signature-algorithm': (ctx) => {
    if (ctx.side === 'smtp' || ctx.error?.reason.toLowerCase() === 'legacy sigalg disallowed or unsupported') {
      const { peer, local } = roles(ctx);
      return {
        summary: 'legacy signature algorithm refused',
        explanation: `${capitalized(local)} refused the signature ${peer} made over the key exchange: on TLS 1.0/1.1 only SHA-1 or MD5+SHA-1 signatures exist, and ${label(ctx.generation)} counts them as below security level 1 ("legacy sigalg disallowed or unsupported"). The version itself was accepted.`,
        remedy: `Have ${peer} enable TLS 1.2; or lower the security level of ${local} to 0 (append :@SECLEVEL=0 to the cipher list its cipher grade uses), which also accepts other weak parameters.`,
      };
    }
    return {
      summary: 'no suitable signature algorithm',
      explanation: 'OpenSSL 3.0 counts SHA-1 and MD5+SHA-1 signatures as below 80 bits of security, so at security level 1 or higher a TLS 1.0/1.1 handshake cannot sign a DHE or ECDHE key exchange. The version check itself passed; plain RSA key exchange would still work. The client sees alert 80 "internal error".',
      remedy: 'Let the client use TLS 1.2, or lower the security level for this listener to 0 (…:@SECLEVEL=0; Postfix ≥ 3.1 sets level 0 itself for opportunistic TLS, as the lab saw with Debian\'s 3.7 and 3.10), or allow plain-RSA suites.',
    };
  },
  'unsafe-legacy-renegotiation': (ctx) => {
    const { peer, local } = roles(ctx);
    return {
      summary: 'peer lacks secure renegotiation',
      explanation: `${capitalized(peer)} does not support RFC 5746 secure renegotiation (a TLS stack from before 2010, or a middlebox that strips the extension). ${label(ctx.generation)} on ${local} refuses such a handshake: since OpenSSL 3.0 the SSL_OP_LEGACY_SERVER_CONNECT option is no longer on by default.`,
      remedy: `Best: the peer upgrades its TLS stack. Otherwise allow it on ${local}: tls_ssl_options = LEGACY_SERVER_CONNECT (a named option in Debian's Postfix 3.5 and 3.7 builds; it brings back the behaviour of OpenSSL 1.1.1 for every peer, so prefer setting it with -o on a dedicated transport for that destination), or Options = UnsafeLegacyServerConnect in the OpenSSL configuration Postfix loads.`,
    };
  },
  'peer-aborted': (ctx) => {
    const { peer } = roles(ctx);
    const alert = ctx.detail ?? ctx.error?.reason ?? 'a fatal alert';
    const Peer = capitalized(peer);
    const corrupted = CORRUPT_RECORD.test(alert);
    let explanation = corrupted
      ? `${Peer} ended the connection with ${alert}: it could not authenticate or decrypt a record this side sent, which no setting of either side causes. ${CORRUPT_CAUSES}`
      : `${Peer} ended the handshake with ${alert}: it rejected something this side sent (cipher, DH group, certificate or version). The alert does not say which; the peer's own log does.`;
    if (/internal error/.test(alert)) explanation += ' OpenSSL 3.0 peers send "internal error" when they cannot sign with any offered signature algorithm (TLS 1.0/1.1 at SECLEVEL ≥ 1).';
    if (/decode error/.test(alert) && ctx.side === 'smtp') explanation += ' Exim with GnuTLS 3.7 (Debian 12), when it requires a client certificate (tls_verify_hosts), answers a TLS 1.2 client that presents none with "decode error": if the destination requires certificates, this Postfix must present one (smtp_tls_chain_files).';
    const insufficient = /insufficient security/.test(alert);
    if (insufficient) {
      explanation += ' "Insufficient security" means the peer wants a stronger cipher or key exchange than was offered.';
      if (ctx.side === 'smtpd') explanation += ' Sending MTAs that check DANE (GMX and web.de among them) also send it when the TLSA records published for this server match none of the certificates it serves, the usual cause in reports: after a certificate or key change without new TLSA records, for one.';
    }
    const remedy = corrupted ? CORRUPT_REMEDY : 'Read the peer\'s log or run an s_client/s_server test against it; align ciphers, DH size (≥ 2048 bits or ECDHE) and protocol versions.' +
      (insufficient && ctx.side === 'smtpd' ? ' If this server publishes TLSA records (_25._tcp.<MX name>), check them against the certificate it serves (posttls-finger, or an online DANE checker), and publish the new key\'s record before a key changes.' : '');
    return { summary: `peer aborted: ${alert}`, explanation, remedy };
  },
  'certificate-verification': (ctx) => {
    const detail = ctx.detail ?? ctx.error?.reason;
    // A received alert: fromError quotes it as `alert "REASON"`.
    const alert = detail !== undefined && ctx.error !== undefined && receivedAlert(ctx.error) !== undefined;
    if (ctx.side === 'smtpd' && detail !== undefined && (alert || / alert /.test(detail))) {
      const rejected = rejectedCertificate(detail);
      if (ctx.rejectedAfterHandshake !== true) return { summary: 'certificate verification failed', ...rejected };
      return {
        summary: 'certificate rejected after the handshake',
        explanation: `${rejected.explanation} smtpd had logged the session as established: the client checks the certificate once the handshake is over, as Exim with GnuTLS does, then sends its alert and hangs up. Such a client resends at once in plaintext unless it requires TLS of this server, so the mail arrives unencrypted and nothing but this alert tells of it; counting \`TLS connection established\` lines counts it as TLS.`,
        remedy: rejected.remedy,
      };
    }
    if (ctx.side === 'smtp' && detail !== undefined && /DANE TLSA/.test(detail)) {
      return {
        summary: 'certificate matches no DANE TLSA record',
        explanation: `The destination publishes DANE TLSA records (_25._tcp.<MX name>, signed with DNSSEC), and none matches the certificate chain its server presented (${detail}). Under DANE the records decide, not the CA bundle: the destination changed its certificate or key without publishing records for it, or published wrong ones.`,
        remedy: 'Tell the destination\'s postmaster: it must publish TLSA records that match its certificate (check with `posttls-finger -t30 -T180 -c -L summary <domain>` or a DANE checker). Until then Postfix defers this mail, as DANE means it to; an smtp_tls_policy_maps entry of `encrypt` for the domain would deliver without DANE, knowingly.',
      };
    }
    return {
      summary: 'certificate verification failed',
      explanation: ctx.side === 'smtp'
        ? `The server certificate could not be verified and the security level requires it${ctx.detail === undefined ? '' : ` (${ctx.detail})`}.`
        : `A certificate in this handshake was rejected${ctx.detail === undefined ? '' : ` (${ctx.detail})`}.`,
      remedy: 'Install the issuing CA (smtp_tls_CAfile / smtpd_tls_CAfile), fix the certificate chain or name, or lower the security level for this destination.',
    };
  },
  'client-certificate': (ctx) => {
    // The server's verdict after the handshake (`NOQUEUE: abort: TLS from ...`, the 421 a client logs), or an alert.
    if (ctx.clientCertificate !== undefined) return requiredClientCertificate(ctx.side, ctx.clientCertificate, ctx.detail, true);
    if (ctx.side === 'smtp') return rejectedClientCertificate(ctx.detail ?? `alert "${ctx.error?.reason ?? 'bad certificate'}"`, ctx.rejectedAfterHandshake === true);
    return requiredClientCertificate('smtpd', 'missing', ctx.error?.reason, false);
  },
  'dh-key-too-small': (ctx) => ({
    summary: 'dh key too small',
    explanation: `${ctx.side === 'smtp' ? 'This Postfix, as the client,' : 'The client'} rejected the server's DHE group as too small: OpenSSL ≥ 1.0.2/1.1 rejects DH under 1024 bits at security level 1, and under 2048 bits at level 2 (the default of Debian's openssl command; Debian's Postfix clients accept a 1024-bit group at their default settings and refuse it with @SECLEVEL=2 in their cipher list). The server only logs the alert it received. Postfix before 3.1 serves a built-in 1024-bit group.`,
    remedy: ctx.side === 'smtp'
      ? 'The server has to offer a 2048-bit group or ECDHE. Until it does, only a lower security level on this client gets TLS there (drop @SECLEVEL=2 from the cipher list it uses); an opportunistic client otherwise delivers in plaintext.'
      : 'Configure a 2048-bit group (smtpd_tls_dh1024_param_file) and enable ECDHE (smtpd_tls_eecdh_grade = strong on 2.6–2.7).',
  }),
  'unexpected-eof': (ctx) => ctx.handshakeUnlogged === true
    ? {
      summary: 'connection lost after STARTTLS',
      explanation: 'The peer hung up after its STARTTLS command, and no line of the session tells how the handshake ended. ' +
        'A handshake that fails makes Postfix log `SSL_accept error from ...` (often with `warning: TLS library problem: ...`) just before `lost connection after STARTTLS`, ' +
        'so either the log was filtered, or there was no handshake: this server refused STARTTLS (TLS not enabled, or a set-up problem that the process logged when it started) and the peer gave up.',
      remedy: 'Read the lines this smtpd process logged before, unfiltered (grep for its `smtpd[PID]`): `SSL_accept error` and `TLS library problem` name what the peer rejected. ' +
        'Without them, look for the process\'s TLS warnings (certificate, key, protocol list) and check smtpd_tls_security_level.',
    }
    : {
      summary: 'connection closed during handshake',
      explanation: 'The peer closed the TCP connection in the middle of the handshake without sending a TLS alert; typically it disliked something (cipher, DH size, certificate) and dropped the connection, or a middlebox cut it.' +
        (ctx.error?.reason.toLowerCase() === 'unexpected eof while reading'
          ? ' OpenSSL 3.x also reports "unexpected eof while reading" when a peer ends a session that worked (after QUIT) without a close_notify alert, and some Postfix 3.x releases log that as a TLS library problem: if the same process logged "TLS connection established" for this peer before the warning, the session succeeded and the warning is harmless.'
          : '') +
        (wrapperListener(ctx)
          ? ' On this wrapper-mode listener (TLS at once, port 465) the server says nothing until the client\'s hello, so a client that speaks plaintext SMTP there also hangs up this way once it tires of waiting for a greeting (a mail client set to STARTTLS or to no encryption on port 465).'
          : ''),
      remedy: 'Look at the peer\'s side (its log, or a test with its TLS stack) to learn what it rejected.' +
        (wrapperListener(ctx) ? ' A mail client on port 465 must be set to SSL/TLS (implicit TLS), or use STARTTLS on port 587.' : ''),
    },
  timeout: (ctx) => ({
    summary: wrapperListener(ctx) ? 'timeout waiting for the TLS hello' : 'timeout after STARTTLS',
    explanation: (ctx.side === 'smtp'
      ? 'The receiving server said "220 Ready to start TLS" and then did not answer the hello within smtp_starttls_timeout: it stalled, or a middlebox swallowed the hello.'
      : ctx.wrapperMode === true
        ? 'No complete handshake arrived within smtpd_starttls_timeout on this wrapper-mode listener (TLS at once, port 465), where the server says nothing until the client\'s hello: a client that speaks plaintext SMTP there waits for a greeting that never comes (a mail client set to STARTTLS or to no encryption on port 465), or the peer stalled.'
        : 'No complete handshake arrived within the timeout after STARTTLS: the peer stalled, or sent too few bytes for OpenSSL to decide (1.0.x needs 11 bytes before it classifies a hello).') +
      (ctx.silentSeconds === undefined
        ? ''
        : ` Postfix before 2.9 logs the end of a failed handshake as a bare return code (\`${ctx.side === 'smtpd' ? 'SSL_accept' : 'SSL_connect'} error ...: -1\`), for a timeout and for a lost connection alike: the ${ctx.silentSeconds} s from the session's start to that line tell the timeout (${ctx.side}_starttls_timeout ${ctx.starttlsTimeout === undefined ? 'is 300 s by default' : `is ${ctx.starttlsTimeout} s here`}).`),
    remedy: wrapperListener(ctx)
      ? 'Set the client to SSL/TLS (implicit TLS) for port 465, or to STARTTLS on port 587; check the network path if it does.'
      : 'Check the network path (MTU, firewalls) and the peer\'s TLS stack.',
  }),
  'plaintext-after-starttls': (ctx) => ctx.wrapperMode === true
    ? {
      summary: ctx.error?.reason === 'http request' ? 'http request where TLS starts at once' : 'plaintext where TLS starts at once',
      explanation: 'On this wrapper-mode listener (TLS at once, port 465) the peer sent non-TLS bytes (plaintext SMTP or an HTTP request) instead of a ClientHello: a client set to STARTTLS or to no encryption on port 465, a scanner, or a proxy in front of the server (HAProxy, Traefik, a load balancer) that sends a PROXY protocol header or a health check first.',
      remedy: 'Set the client to SSL/TLS (implicit TLS) for port 465, or to STARTTLS on port 587; nothing to change on the server. Behind a proxy that sends the PROXY header, set smtpd_upstream_proxy_protocol = haproxy on this listener (master.cf -o, Postfix 2.10 and later), or turn the header off in the proxy.',
    }
    : {
      summary: ctx.error?.reason === 'http request' ? 'http request after STARTTLS' : 'plaintext after STARTTLS',
      explanation: 'After "220 Ready to start TLS" the peer sent non-TLS bytes (plaintext SMTP or an HTTP request) instead of a ClientHello; a broken client, proxy or scanner.',
      remedy: 'Nothing to change on the server; fix or block the client.',
    },
  'protocol-violation': (ctx) => {
    const { peer, local } = roles(ctx);
    const reason = ctx.error?.reason ?? ctx.detail ?? 'a protocol error';
    const mitigation = ctx.side === 'smtpd'
      ? 'If a sender you need keeps failing this way, stop offering it STARTTLS (smtpd_discard_ehlo_keyword_address_maps with its address and "starttls"): its mail then arrives in plaintext. Tell its postmaster what the log shows.'
      : 'Opportunistic TLS delivers in plaintext on the fallback attempt; for a destination that must be encrypted, tell its postmaster what the log shows.';
    if (CORRUPT_RECORD.test(reason)) {
      return {
        summary: reason,
        explanation: `${capitalized(local)} could not authenticate or decrypt a record ${peer} sent (${reason}): no setting of either side refused the other. ${CORRUPT_CAUSES}`,
        remedy: `${CORRUPT_REMEDY} ${mitigation}`,
      };
    }
    return {
      summary: `TLS protocol violation: ${reason}`,
      explanation: `${label(ctx.generation)} on ${local} ended the handshake because the TLS bytes ${peer} sent break the protocol (${reason}: a message out of order, lengths that do not add up, a record too large or a malformed extension). No protocol, cipher or certificate setting makes a peer send these: a broken or very old TLS stack${ctx.side === 'smtpd' ? ', a scanner' : ''}, or something on the path that rewrites SMTP (a firewall's "ESMTP inspection" or "SMTP fixup") sent them.`,
      remedy: `Nothing in ${ctx.side === 'smtpd' ? 'smtpd_tls_*' : 'smtp_tls_*'} fixes this. Turn off SMTP inspection on firewalls between the two if there is one${ctx.side === 'smtpd' ? ', or find which program connects from that address' : ''}. ${mitigation}`,
    };
  },
  'implicit-tls': () => ({
    summary: 'TLS hello without STARTTLS',
    explanation: 'The client sent a TLS hello where SMTP expects its first command (Postfix logs it as improper command pipelining after CONNECT): it starts TLS at once, as an SMTPS client does on port 465, while this service speaks plaintext first and offers STARTTLS. No handshake took place.',
    remedy: 'Set the client to STARTTLS for this port, or have it use port 465 with a master.cf service that sets smtpd_tls_wrappermode = yes (submissions). A scanner probing for TLS does the same; then nothing needs to change.',
  }),
  'starttls-not-offered': (ctx) => ({
    summary: 'TLS required but not offered',
    explanation: `Delivery required TLS but the receiving server did not offer STARTTLS${ctx.detail === undefined ? '' : ` (${ctx.detail})`}.`,
    remedy: 'Ask the receiver to enable STARTTLS, or lower smtp_tls_security_level for this destination to may.',
  }),
  'invalid-local-config': (ctx) => {
    const detail = ctx.detail ?? '';
    if (detail.startsWith('Invalid TLS protocol list')) {
      const old = postfixBefore(ctx, '2.6.15') || (ctx.postfixVersion === undefined && /TLSv1\.[123]/.test(detail));
      return {
        summary: 'invalid TLS protocol list',
        explanation: `${detail}. Postfix disables TLS on this side; STARTTLS is still advertised but answered with 454 4.7.0 "TLS not available due to local problem".${old ? ' Postfix before 2.6.15/2.7.9/2.8.10/2.9.2 knows only SSLv2, SSLv3 and TLSv1, so TLSv1.1/TLSv1.2 tokens make the whole list invalid.' : ''}`,
        remedy: 'Use only protocol names this Postfix knows (on 2.6.0–2.6.14: e.g. "!SSLv2, !SSLv3"), or upgrade Postfix.',
      };
    }
    if (/no protocols available/i.test(detail)) {
      return {
        summary: 'no protocols available',
        explanation: `This side's protocol settings leave no version that ${label(ctx.generation)} can use: the protocol list (smtpd_tls_protocols / smtp_tls_protocols and their mandatory forms), MinProtocol/MaxProtocol in openssl.cnf, or the security level exclude every version the library was built with.`,
        remedy: 'Allow at least one protocol the library supports (e.g. >=TLSv1.2), and check openssl.cnf for a MinProtocol above the Postfix maximum.',
      };
    }
    if (detail.includes('non DNSSEC destination')) {
      return {
        summary: 'DANE required, destination not DNSSEC-signed',
        explanation: `The TLS policy for this destination requires DANE (smtp_tls_security_level = dane-only, or a dane-only policy table entry), but its DNS answers are not DNSSEC-validated, so there can be no TLSA records to check; the smtp client defers the mail: ${detail}`,
        remedy: 'Use the level dane for this destination, which falls back to opportunistic TLS without DNSSEC, or have the destination sign its zone. When every destination is reported so, the resolver in /etc/resolv.conf does not validate DNSSEC (Postfix needs its AD bit).',
      };
    }
    if (detail.includes('no TLSA records found') || detail.includes('TLSA lookup error for ')) {
      const lookup = detail.includes('TLSA lookup error for ');
      return {
        summary: lookup ? 'DANE required, TLSA lookup failed' : 'DANE required, no TLSA records',
        explanation: `The TLS policy for this destination requires DANE (dane-only), but ${lookup ? 'the DNS lookup of its TLSA records failed' : 'its DNSSEC-signed zone publishes no TLSA records for this server'}, so there is nothing to verify its certificate against; the smtp client defers the mail: ${detail}`,
        remedy: lookup ? 'Check that the resolver answers TLSA queries (and validates DNSSEC); the mail goes out on a later retry once it does.' : 'Use the level dane for this destination, which falls back to opportunistic TLS without TLSA records, or ask the destination to publish TLSA records.',
      };
    }
    if (detail.startsWith('connect to private/tlsproxy service')) {
      return {
        summary: 'no tlsproxy service',
        explanation: `With smtp_tls_connection_reuse = yes the smtp client makes its TLS connections through the tlsproxy service, and master.cf has none it can reach (${detail}). Each TLS attempt fails as "Cannot start TLS: handshake failure" before a byte goes to the server; opportunistic TLS then delivers in plaintext, mandatory TLS defers. Debian's master.cf ships the tlsproxy line commented out.`,
        remedy: 'Add (or uncomment) "tlsproxy unix - - y - 0 tlsproxy" in master.cf and run postfix reload, or set smtp_tls_connection_reuse = no.',
      };
    }
    if (detail === 'client TLS configuration problem' || detail.endsWith('(client TLS configuration problem)')) {
      return {
        summary: 'client TLS configuration problem',
        explanation: 'The smtp client deferred the mail because it could not apply its TLS settings for this destination. The warning it logged just before names the cause: a TLS policy table entry or lookup, or a certificate or key file.',
        remedy: 'Fix what that warning names and reload Postfix.',
      };
    }
    if (detail.includes('_tls_policy_maps, ') || detail.includes('TLS policy lookup for ')) {
      return {
        summary: 'unusable TLS policy table entry',
        explanation: `The smtp client could not read its TLS policy for the destination (a malformed or unknown attribute in smtp_tls_policy_maps, or a failed table lookup), so it defers the mail rather than guess a policy: ${detail}`,
        remedy: 'Fix the entry (postconf(5) lists the attributes smtp_tls_policy_maps accepts for this Postfix version) or the table\'s backend, run postmap for a file table, and reload Postfix.',
      };
    }
    if (detail.includes('smtp_tls_wrappermode requires ')) {
      return {
        summary: 'wrapper mode below the encrypt level',
        explanation: `This smtp client has smtp_tls_wrappermode = yes (TLS from the first byte, as port 465 expects) at a security level below encrypt, a combination Postfix does not accept: ${detail}`,
        remedy: 'Set smtp_tls_security_level = encrypt (or stronger) where wrapper mode is on, best on a transport of its own (-o smtp_tls_wrappermode=yes -o smtp_tls_security_level=encrypt in master.cf), or relay to port 587 with STARTTLS instead.',
      };
    }
    if (detail.startsWith('SMTPS wrappermode')) {
      return {
        summary: 'port 465 without wrapper mode',
        explanation: 'The smtp client connects to port 465, where the server expects TLS from the first byte (SMTPS), but speaks plaintext SMTP and waits for a greeting that does not come.',
        remedy: 'Give that relay a transport with smtp_tls_wrappermode = yes and smtp_tls_security_level = encrypt, or relay to port 587 with STARTTLS.',
      };
    }
    const param = (name: string) => `${ctx.side}_tls_${name}`;
    if (/^cannot get \S+ (?:certificate|private key) from file|^error loading private keys and certificates|No server certs available/.test(detail)) {
      return {
        summary: 'certificate or key not loaded',
        explanation: `${detail}. Postfix could not load this side's certificate or key, so it turned TLS off here: ${ctx.side === 'smtpd' ? 'STARTTLS is answered with 454 4.7.0 "TLS not available due to local problem", senders that require TLS cannot deliver and the others deliver in plaintext' : 'the smtp client delivers without TLS, or defers mail where its policy requires TLS'}. The library errors logged with it say why: "No such file or directory" or "Permission denied" (fopen) for the path, "key values mismatch" (X509_check_private_key) for a key that does not belong to the certificate, "no start line" (PEM routines) for a file that holds no PEM data of that kind.`,
        remedy: `Point ${param('cert_file')} and ${param('key_file')} (or ${param('chain_files')}) at the certificate and its own key, readable by root, and reload Postfix. After a renewal, check that key and certificate belong together: \`openssl x509 -noout -pubkey -in CERT\` and \`openssl pkey -pubout -in KEY\` print the same key.`,
      };
    }
    if (/^Digest algorithm "[^"]*" not found/.test(detail)) {
      return {
        summary: 'fingerprint digest not available',
        explanation: `${detail}: the TLS library lacks the digest that ${param('fingerprint_digest')} names (md5, Postfix's default before 3.6, is missing from FIPS and stripped-down builds), and Postfix turned TLS off on this side.`,
        remedy: `Set ${param('fingerprint_digest')} = sha256 (and turn fingerprints in check_ccert_access tables or fingerprint policies into SHA-256 ones), then reload Postfix.`,
      };
    }
    if (detail.startsWith('cannot load Certificate Authority data')) {
      return {
        summary: 'CA certificates not loaded',
        explanation: `${detail}. ${param('CAfile')} or ${param('CApath')} names a file or directory OpenSSL cannot read (the library errors logged with it name it), and Postfix turned TLS off on this side.`,
        remedy: `Fix or remove ${param('CAfile')} and ${param('CApath')} (leave them empty unless you verify peers' certificates) and reload Postfix.`,
      };
    }
    if (requiresStarttls(detail) && ctx.side === 'smtpd') {
      return {
        summary: 'STARTTLS required, the client did not use it',
        explanation: `This server takes mail only over TLS (smtpd_tls_security_level = encrypt, or smtpd_enforce_tls = yes) and the client sent its mail without STARTTLS: it does not do TLS, or its TLS failed before: ${detail}`,
        remedy: 'On port 25 use smtpd_tls_security_level = may (RFC 3207: a publicly referenced server must not require TLS); keep encrypt for submission, where the clients are yours and must enable STARTTLS.',
      };
    }
    if (requiresStarttls(detail)) {
      return {
        summary: 'server requires STARTTLS, this client did not use it',
        explanation: `The server takes mail only over TLS, and this smtp client sent its mail without STARTTLS: its TLS security level for this destination is none (smtp_tls_security_level empty or none, Postfix's own default, or a policy table entry), or TLS is off on this side because of a set-up error it logged before (certificate, key or CA file): ${detail}`,
        remedy: 'Set smtp_tls_security_level = may (or encrypt for this relay, in smtp_tls_policy_maps or on its transport) and fix any TLS warning the smtp client logs; then the client issues STARTTLS when the server offers it.',
      };
    }
    if (detail.includes('our TLS engine is unavailable')) {
      return {
        summary: 'TLS required, this client\'s TLS engine off',
        explanation: `This smtp client must use TLS for this destination (smtp_tls_security_level encrypt or a verifying level, here or in a policy table), but its TLS engine did not start: a set-up error it logged before (a certificate, key or CA file it cannot load, or a bad smtp_tls_* setting) turned TLS off, so the mail waits in the queue: ${detail}`,
        remedy: 'Fix what the smtp client\'s own TLS warnings name (`cannot load`, `cannot get`, `TLS library problem` lines of the same smtp process) and reload Postfix; the deferred mail goes out on the next retry.',
      };
    }
    if (detail.includes('TLS not available due to local problem')) {
      return {
        summary: 'TLS not available (local problem)',
        explanation: `The side answering STARTTLS has TLS disabled by a configuration error (bad protocol list, missing certificate or key): ${detail}`,
        remedy: 'Fix that server\'s TLS configuration; its own log names the problem.',
      };
    }
    return {
      summary: 'TLS configuration error',
      explanation: `This side could not set up TLS because of its own configuration: ${detail}`,
      remedy: 'Fix the named file, key or setting and reload Postfix.',
    };
  },
  unknown: (ctx) => ctx.tlsrptType !== undefined && TLSRPT_MEANINGS[ctx.tlsrptType] !== undefined ? {
    summary: ctx.detail ?? `TLSRPT failure_type=${ctx.tlsrptType}`,
    explanation: `Postfix reported this delivery attempt to TLSRPT as failed, and no other line of the session says more: ${TLSRPT_MEANINGS[ctx.tlsrptType]}`,
    remedy: 'Raise smtp_tls_loglevel to 1 or more to log the handshake and policy lookups; the domain\'s TLSRPT reports carry the same type.',
  } : ctx.alertSent !== undefined ? {
    summary: `this side sent alert "${ctx.alertSent}"`,
    explanation: `This ${ctx.side === 'smtpd' ? 'server' : 'client'} ended the handshake with the fatal alert "${ctx.alertSent}": it refused something the peer sent, and the \`warning: TLS library problem: ...\` line that names what is not among these lines.`,
    remedy: 'Quote the `TLS library problem` lines this process logged with it (grep for its PID), or reproduce the failure in the lab.',
  } : {
    summary: ctx.error?.reason ?? ctx.detail ?? 'TLS handshake failed',
    explanation: 'The handshake failed but the log does not say why in a form this parser knows.',
    remedy: 'Raise smtpd_tls_loglevel / smtp_tls_loglevel to 2 and reproduce the failure in the lab.',
  },
};

/** Classes that the protocol or cipher settings of the server decide. */
const SETTINGS_CLASSES = new Set<FailureClass>([
  'no-shared-cipher', 'unknown-protocol', 'unsupported-protocol', 'version-too-low', 'wrong-version-number', 'alert-protocol-version', 'no-suitable-signature-algorithm',
]);

/** Whether the server's protocol or cipher settings decide a failure of this class, with this error. */
export function settingsDecide(failureClass: FailureClass, error?: OpensslError): boolean {
  return SETTINGS_CLASSES.has(failureClass) && !tls13SuiteChoice('smtpd', error);
}

/** Classes of a client that turned this server's certificate down, or may have: hung up, or sent an alert. */
const CLIENT_REJECTS = new Set<FailureClass>(['unexpected-eof', 'peer-aborted', 'certificate-verification']);

/**
 * With tls_server_sni_maps, a name the client asks for that the map lacks gets the default chain: a client that
 * checks the name then turns the certificate down.
 */
function withSniNote(failureClass: FailureClass, ctx: ExplainContext, explained: Explained): Explained {
  if (ctx.side !== 'smtpd' || ctx.sniUnmatched === undefined || !CLIENT_REJECTS.has(failureClass) || ctx.handshakeUnlogged === true) return explained;
  return {
    ...explained,
    explanation: `${explained.explanation} The client asked for ${ctx.sniUnmatched} by SNI, which tls_server_sni_maps has no chain for, so the server sent its default certificate: a client that checks the name (mail clients on ports 465 and 587 do) turns it down when that certificate does not carry ${ctx.sniUnmatched}.`,
    remedy: `${explained.remedy} Give ${ctx.sniUnmatched} a chain in tls_server_sni_maps (then \`postmap -F\` the map), or serve a default certificate that carries the name.`,
  };
}

/** Summary, explanation and remedy for one class in one context. */
export function explain(failureClass: FailureClass, ctx: ExplainContext): Explained {
  const explained = withSniNote(failureClass, ctx, EXPLAINERS[failureClass](ctx));
  if (ctx.side !== 'smtpd' || ctx.wrapperMode !== true || !settingsDecide(failureClass, ctx.error)) return explained;
  // smtpd.c: wrapper mode sets enforce_tls, and enforce_tls selects the mandatory lists.
  return {
    ...explained,
    explanation: `${explained.explanation} The session started TLS at once, on a wrapper-mode listener (smtps, port 465), which requires TLS: there smtpd takes smtpd_tls_mandatory_protocols, smtpd_tls_mandatory_ciphers and smtpd_tls_mandatory_exclude_ciphers, not smtpd_tls_protocols, smtpd_tls_ciphers and smtpd_tls_exclude_ciphers, and that listener's master.cf -o settings come first.`,
    remedy: `${explained.remedy} On that listener, change the mandatory settings (in its master.cf -o where it sets them).`,
  };
}
