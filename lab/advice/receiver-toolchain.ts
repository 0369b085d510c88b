import { LabError } from '../errors.ts';
import { compareVersions } from '../logs/versions.ts';
import { isReceiverPick, type Toolchain } from '../toolchains/model.ts';
import { getToolchain } from '../toolchains/registry.ts';
import { missingSourcesOf, type SourceOptions } from '../toolchains/sources.ts';
import type { AdminVersions } from './config-dir.ts';
import { needText, strictestNeed, type PostfixNeed } from './config-needs.ts';
import { pickToolchain, type ToolchainChoice } from './toolchain-pick.ts';

export interface ToolchainRequest {
  /** A toolchain by name (images/toolchains/<name>.yaml); wins over versions. */
  toolchain?: string;
  postfixVersion?: string;
  opensslVersion?: string;
}

/**
 * The receiver's toolchain: the named one, else the closest to the versions given, else to the
 * versions found in the config folder or the log. Fails with LAB_SOURCE_MISSING when a toolchain named or asked
 * for by versions cannot be built here; one picked from the versions found gives way to the closest that builds,
 * and its reason says so.
 */
export async function chooseReceiverToolchain(
  toolchains: Map<string, Toolchain>, request: ToolchainRequest, found: AdminVersions, sources?: SourceOptions, needs: readonly PostfixNeed[] = [],
): Promise<ToolchainChoice> {
  const need = strictestNeed(needs);
  let choice: ToolchainChoice;
  let wanted: { postfix?: string; openssl?: string } | undefined;
  if (request.toolchain !== undefined) {
    choice = { toolchain: getToolchain(toolchains, request.toolchain).name, reason: 'named with --toolchain' };
  } else if (request.postfixVersion !== undefined || request.opensslVersion !== undefined) {
    wanted = { ...(request.postfixVersion ? { postfix: request.postfixVersion } : {}), ...(request.opensslVersion ? { openssl: request.opensslVersion } : {}) };
    choice = pickToolchain(toolchains, wanted);
    choice = { ...choice, reason: `${choice.reason} (versions from the command line)` };
  } else {
    // A Postfix version the folder or the log states is what the admin runs, whatever the configuration needs.
    wanted = { ...(found.postfix ? { postfix: found.postfix } : {}), ...(found.openssl ? { openssl: found.openssl } : {}) };
    const postfixKnown = found.postfix !== undefined && /^\d/.test(found.postfix);
    const closest = pickToolchain(toolchains, wanted);
    choice = need === undefined || postfixKnown ? closest : pickToolchain(toolchains, wanted, undefined, need.version);
    if (found.evidence.length > 0) choice = { ...choice, reason: `${choice.reason} (versions read from ${found.evidence.join('; ')})` };
    if (choice.toolchain !== closest.toolchain && need !== undefined) {
      choice = { ...choice, reason: `${choice.reason}; not ${closest.toolchain} (Postfix ${toolchains.get(closest.toolchain)?.postfix?.version ?? '?'}): ${needText(need)}` };
    }
  }
  const running = toolchains.get(choice.toolchain)?.postfix?.version;
  if (need !== undefined && running !== undefined && compareVersions(running, need.version) < 0) {
    choice = {
      ...choice,
      reason: `${choice.reason}. NOTE: ${needText(need)}; this toolchain runs Postfix ${running}, which logs "Invalid TLS protocol list" for it and turns TLS off, as the admin's server does if it is that old`,
    };
  }
  const missing = await missingSourcesOf(toolchains, choice.toolchain, sources);
  if (missing.length > 0) {
    const buildable = new Map<string, Toolchain>();
    for (const t of toolchains.values()) if (isReceiverPick(t) && (await missingSourcesOf(toolchains, t.name, sources)).length === 0) buildable.set(t.name, t);
    const closest = wanted !== undefined && buildable.size > 0 ? pickToolchain(buildable, wanted).toolchain : undefined;
    const inferred = request.toolchain === undefined && request.postfixVersion === undefined && request.opensslVersion === undefined;
    const stand = closest === undefined ? undefined : toolchains.get(closest);
    if (inferred && closest !== undefined && stand !== undefined) {
      return {
        toolchain: closest,
        reason: `the closest toolchain that builds here. NOTE: the closest of all, ${choice.toolchain} (${choice.reason}), cannot be built on this machine: ` +
          `its release tarballs are missing (${missing.join(', ')}; "tlslab sources add FILE" stores them). ${closest} runs Postfix ${stand.postfix?.version ?? '?'} ` +
          `with ${stand.tls.library} ${stand.tls.version}: its errors may be worded as another OpenSSL generation words them, and its defaults may differ`,
      };
    }
    throw new LabError(
      'LAB_SOURCE_MISSING',
      `The receiver toolchain ${choice.toolchain} (${choice.reason}) cannot be built on this machine: its release tarballs are missing (${missing.join(', ')}). ` +
        `"tlslab sources list" shows where to get them, "tlslab sources add FILE" stores them. Toolchains that build here: ${[...buildable.keys()].join(', ') || 'none'} (--toolchain NAME)` +
        `${closest === undefined ? '' : `; the closest of them to those versions is ${closest}, whose errors may be worded as another OpenSSL generation words them`}.`,
      { context: { toolchain: choice.toolchain, missing } },
    );
  }
  return choice;
}
