import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { issueLabCertificate } from '../certificates/lab-ca.ts';
import { LabError } from '../errors.ts';
import type { ReceiverSpec } from '../scenario/schema.ts';

/** Where the entrypoint looks for the receiver's configuration inside the container. */
export const RECEIVER_CONFIG_DIR = '/lab/receiver';
/** Where `receiver.files` are copied; main.cf parameters point at files there. */
export const RECEIVER_FILES_DIR = `${RECEIVER_CONFIG_DIR}/files`;

export interface RenderedReceiverConfig {
  files: { path: string; content: string; mode?: number }[];
  env: Record<string, string>;
}

/** main.cf lines in `postconf -e` form, in the scenario's order. */
export function renderMainCf(mainCf: Record<string, string>): string {
  return Object.entries(mainCf)
    .map(([key, value]) => `${key} = ${value.replace(/\s*\n\s*/g, ' ')}`)
    .join('\n');
}

const SENDER_PLACEHOLDER = /\{\{sender:([a-z0-9-]+)\}\}/g;

/** Whether tables name senders by `{{sender:NAME}}`, so their addresses must be known first. */
export function mapsNameSenders(maps: Record<string, Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const table of Object.values(maps)) {
    for (const [key, value] of Object.entries(table)) {
      for (const match of `${key} ${value}`.matchAll(SENDER_PLACEHOLDER)) names.add(match[1]!);
    }
  }
  return [...names];
}

/** A lookup table's text, with `{{sender:NAME}}` replaced by that sender's address. */
export function renderMap(table: Record<string, string>, senderAddresses: ReadonlyMap<string, string>): string {
  const substitute = (text: string) =>
    text.replace(SENDER_PLACEHOLDER, (_, name: string) => {
      const address = senderAddresses.get(name);
      if (address === undefined) throw new LabError('LAB_SCENARIO_INVALID', `receiver.maps: no sender "${name}" (in ${text})`);
      return address;
    });
  return Object.entries(table)
    .map(([key, value]) => `${substitute(key)} ${substitute(value)}\n`)
    .join('');
}

/**
 * The files and environment that configure a Postfix (receiver, destination or sending MTA);
 * certificate paths resolve against `baseDir`.
 */
export async function renderReceiverConfig(
  spec: Pick<ReceiverSpec, 'mainCf' | 'certificate'> & Partial<Pick<ReceiverSpec, 'masterCf' | 'maps' | 'files'>>,
  baseDir: string,
  senderAddresses: ReadonlyMap<string, string> = new Map(),
  hostname = 'localhost',
): Promise<RenderedReceiverConfig> {
  const files: RenderedReceiverConfig['files'] = [
    { path: `${RECEIVER_CONFIG_DIR}/main.cf`, content: `${renderMainCf(spec.mainCf)}\n` },
    { path: `${RECEIVER_CONFIG_DIR}/master.cf`, content: (spec.masterCf ?? []).map((line) => `${line}\n`).join('') },
  ];
  for (const [name, table] of Object.entries(spec.maps ?? {})) {
    files.push({ path: `${RECEIVER_CONFIG_DIR}/maps/${name}`, content: renderMap(table, senderAddresses) });
  }
  for (const [name, file] of Object.entries(spec.files ?? {})) {
    files.push({ path: `${RECEIVER_FILES_DIR}/${name}`, content: await readPem(baseDir, file, `files.${name}`), mode: 0o644 });
  }
  const env: Record<string, string> = { TLSLAB_CERT_TYPES: (spec.certificate.generate ?? ['rsa']).join(' ') };
  if (spec.certificate.cert !== undefined && spec.certificate.key !== undefined) {
    files.push({ path: `${RECEIVER_CONFIG_DIR}/cert.pem`, content: await readPem(baseDir, spec.certificate.cert, 'certificate.cert') });
    files.push({ path: `${RECEIVER_CONFIG_DIR}/key.pem`, content: await readPem(baseDir, spec.certificate.key, 'certificate.key'), mode: 0o600 });
  }
  if (spec.certificate.issuer === 'lab-ca') {
    const { issuer: _issuer, generate: _generate, cert: _cert, key: _key, ...request } = spec.certificate;
    const issued = await issueLabCertificate(hostname, request);
    files.push({ path: `${RECEIVER_CONFIG_DIR}/cert.pem`, content: issued.certificate });
    files.push({ path: `${RECEIVER_CONFIG_DIR}/key.pem`, content: issued.key, mode: 0o600 });
  }
  return { files, env };
}

async function readPem(baseDir: string, file: string, field: string): Promise<string> {
  const path = resolve(baseDir, file);
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw new LabError('LAB_SCENARIO_INVALID', `receiver.${field}: cannot read ${path}`, { context: { path }, cause });
  }
}
