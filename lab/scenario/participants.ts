import { LabContainer } from '../docker/container.ts';
import { LABEL } from '../docker/labels.ts';
import { renderReceiverConfig } from '../receiver/config-files.ts';
import { injectCommand, mtaSenderMainCf, readMtaDelivery, sendmailEnv, type MtaDelivery } from '../senders/mta.ts';
import { rawServerCommand } from '../senders/raw-server.ts';
import type { MessageEnvelope } from '../senders/client-command.ts';
import type { Toolchain } from '../toolchains/model.ts';
import type { ClientView } from '../senders/transcript.ts';
import type { ContainerSpec, ExecOutcome } from '../docker/container.ts';
import type { DestinationSpec, ReceiverSpec, SenderSpec } from './schema.ts';

export const RECEIVER_HOSTNAME = 'receiver.lab.test';

/** Where the containers of one scenario live, and how they are named and labelled. */
export interface Stage {
  prefix: string;
  network: string;
  labels: Record<string, string>;
  baseDir: string;
  /** Called with every container as soon as it exists, so teardown can remove it. */
  track: (container: LabContainer) => void;
  /** CA certificates every container adds to its system CA bundle (the lab CA's root, when the scenario uses it). */
  trust?: ContainerSpec['trust'];
}

/** A Postfix that answers SMTP: the receiver under test or an outbound destination. */
export async function startPostfixServer(
  stage: Stage,
  options: {
    role: 'receiver' | 'destination' | 'sender';
    name: string;
    hostname: string;
    image: string;
    spec: Pick<ReceiverSpec, 'mainCf' | 'certificate'> & Partial<Pick<ReceiverSpec, 'masterCf' | 'maps' | 'files'>>;
    senderAddresses?: ReadonlyMap<string, string>;
    command?: 'receiver' | 'mta';
  },
): Promise<LabContainer> {
  const config = await renderReceiverConfig(options.spec, stage.baseDir, options.senderAddresses, options.hostname);
  const container = await LabContainer.start({
    image: options.image,
    name: `${stage.prefix}-${options.name}`,
    hostname: options.hostname,
    network: stage.network,
    aliases: [options.hostname],
    labels: { ...stage.labels, [LABEL.role]: options.role },
    command: [options.command ?? 'receiver'],
    env: { ...config.env, TLSLAB_HOSTNAME: options.hostname },
    files: config.files,
    ...(stage.trust ? { trust: stage.trust } : {}),
  });
  stage.track(container);
  return container;
}

/**
 * A destination that is not Postfix: an Exim, which makes its own certificate and takes its TLS settings from one
 * GnuTLS priority string, or a raw server, a scripted SMTP server without TLS that misbehaves after STARTTLS.
 */
export async function startForeignServer(stage: Stage, spec: DestinationSpec, image: string): Promise<LabContainer> {
  const hostname = destinationHostname(spec);
  let command: string[];
  const env: Record<string, string> = { TLSLAB_HOSTNAME: hostname };
  if (spec.server === 'raw') {
    if (spec.afterStarttls === undefined) throw new Error(`destination ${spec.name}: a raw server needs afterStarttls`);
    command = rawServerCommand(spec.afterStarttls);
  } else {
    command = ['exim-server'];
    if (spec.gnutlsPriority !== undefined) env.TLSLAB_GNUTLS_PRIORITY = spec.gnutlsPriority;
    if (spec.requireClientCertificate === true) env.TLSLAB_REQUIRE_CLIENT_CERTIFICATE = '1';
  }
  const container = await LabContainer.start({
    image,
    name: `${stage.prefix}-dest-${spec.name}`,
    hostname,
    network: stage.network,
    aliases: [hostname],
    labels: { ...stage.labels, [LABEL.role]: 'destination' },
    command,
    env,
    ...(stage.trust ? { trust: stage.trust } : {}),
  });
  stage.track(container);
  return container;
}

export function senderHostname(spec: SenderSpec): string {
  return `${spec.name}.senders.lab.test`;
}

export function destinationHostname(spec: Pick<DestinationSpec, 'name'>): string {
  return `${spec.name}.dest.lab.test`;
}

/** A running sender: a client container to exec in, or a real MTA with its own queue. */
export interface RunningSender {
  spec: SenderSpec;
  container: LabContainer;
  exec?: ExecOutcome;
  view?: ClientView;
  messageId?: string;
  delivery?: MtaDelivery;
}

/**
 * Starts a sender. A real MTA relays to the receiver's address, not its name: a chrooted Postfix
 * resolves names through DNS, which the lab's internal network does not offer.
 */
export async function startSender(stage: Stage, spec: SenderSpec, image: string, toolchain: Toolchain, receiverAddress?: string): Promise<RunningSender> {
  if (spec.delivery === 'mta' && receiverAddress === undefined) throw new Error(`sender ${spec.name} is an MTA and needs the receiver's address`);
  if (spec.client === 'postfix') {
    const container = await startPostfixServer(stage, {
      role: 'sender',
      name: spec.name,
      hostname: senderHostname(spec),
      image,
      command: 'mta',
      spec: { mainCf: mtaSenderMainCf(spec, toolchain.postfix?.version ?? '3.0', receiverAddress!), certificate: {} },
    });
    return { spec, container };
  }
  // Exim and Sendmail configure themselves from the relay's address; swaks and s_client are run inside an idle container.
  const container = await LabContainer.start({
    image,
    name: `${stage.prefix}-${spec.name}`,
    hostname: senderHostname(spec),
    network: stage.network,
    labels: { ...stage.labels, [LABEL.role]: 'sender' },
    ...(spec.client === 'exim'
      ? { command: ['exim-mta'], env: { TLSLAB_RELAY: receiverAddress!, TLSLAB_HOSTNAME: senderHostname(spec) } }
      : spec.client === 'sendmail'
        ? { command: ['sendmail-mta'], env: { ...sendmailEnv(spec, receiverAddress!), TLSLAB_HOSTNAME: senderHostname(spec) } }
        : { command: ['idle'] }),
    ...(stage.trust ? { trust: stage.trust } : {}),
  });
  stage.track(container);
  return { spec, container };
}

/** Hands a message to a Postfix inside `container` and returns the Message-ID to follow it by. */
export async function injectMessage(container: LabContainer, envelope: MessageEnvelope, messageId: string, realSendmail = false): Promise<ExecOutcome> {
  return container.exec(injectCommand(envelope, messageId, realSendmail), { timeoutSeconds: 30 });
}

export { readMtaDelivery };
