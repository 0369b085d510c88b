import { readFileSync } from 'node:fs';
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '../../fixtures/logs');

export function fixturePath(name: string): string {
  return path.join(FIXTURES, name);
}

export function fixtureLines(name: string): string[] {
  return readFileSync(fixturePath(name), 'utf8').split('\n').filter((line) => line !== '');
}

/**
 * One tlsproxy process, for smtp's connection reuse (`to`) and for postscreen (`from`): its connections overlap,
 * and its CONNECT and DISCONNECT lines are no session events.
 */
export const TLSPROXY_LINES = [
  'Mar 19 16:16:47 mx postfix/tlsproxy[26371]: CONNECT to [173.194.222.27]:25',
  'Mar 19 16:16:48 mx postfix/tlsproxy[26371]: Trusted TLS connection established to gmail-smtp-in.l.google.com[173.194.222.27]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256',
  'Mar 19 16:16:48 mx postfix/tlsproxy[26371]: CONNECT to [93.188.3.14]:25',
  'Mar 19 16:16:48 mx postfix/tlsproxy[26371]: Trusted TLS connection established to mailcluster.loopia.se[93.188.3.14]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
  'Mar 19 16:16:49 mx postfix/tlsproxy[26371]: DISCONNECT [173.194.222.27]:25',
  'Mar 19 16:16:49 mx postfix/tlsproxy[26371]: Anonymous TLS connection established to mail4.gotanet.se[212.3.0.44]:25: TLSv1 with cipher ADH-AES256-SHA (256/256 bits)',
  'Mar 19 16:17:00 mx postfix/tlsproxy[26371]: CONNECT from [198.51.100.7]:40000',
  'Mar 19 16:17:00 mx postfix/tlsproxy[26371]: SSL_accept error from [198.51.100.7]:40000: -1',
  'Mar 19 16:17:00 mx postfix/tlsproxy[26371]: warning: TLS library problem: error:0A0000C1:SSL routines::no shared cipher:ssl/statem/statem_srvr.c:2220:',
  'Mar 19 16:17:00 mx postfix/tlsproxy[26371]: DISCONNECT [198.51.100.7]:40000',
  'Mar 19 16:17:01 mx postfix/tlsproxy[26371]: Anonymous TLS connection established from [198.51.100.7]:40002: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
];
