import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { LabError } from '../errors.ts';
import type { ReceiverSpec } from '../scenario/schema.ts';

/** Where the entrypoint looks for the receiver's configuration inside the container. */
export const RECEIVER_CONFIG_DIR = '/lab/receiver';

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

/** The files and environment that configure a receiver; certificate paths resolve against `baseDir`. */
export async function renderReceiverConfig(spec: ReceiverSpec, baseDir: string): Promise<RenderedReceiverConfig> {
  const files: RenderedReceiverConfig['files'] = [
    { path: `${RECEIVER_CONFIG_DIR}/main.cf`, content: `${renderMainCf(spec.mainCf)}\n` },
    { path: `${RECEIVER_CONFIG_DIR}/master.cf`, content: spec.masterCf.map((line) => `${line}\n`).join('') },
  ];
  const env: Record<string, string> = { TLSLAB_CERT_TYPES: (spec.certificate.generate ?? ['rsa']).join(' ') };
  if (spec.certificate.cert !== undefined && spec.certificate.key !== undefined) {
    files.push({ path: `${RECEIVER_CONFIG_DIR}/cert.pem`, content: await readPem(baseDir, spec.certificate.cert, 'certificate.cert') });
    files.push({ path: `${RECEIVER_CONFIG_DIR}/key.pem`, content: await readPem(baseDir, spec.certificate.key, 'certificate.key'), mode: 0o600 });
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
