import { z } from 'zod';

const sourceKind = z.enum(['debian-package', 'debian-source-rebuild', 'upstream-tarball']);

/** A declared Postfix + TLS library pair, and how its image is made. One YAML file per toolchain. */
export const toolchainSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, dots and dashes'),
    description: z.string().min(1),
    /** A Debian release to bootstrap from, e.g. bookworm. Exactly one of base and parent. */
    base: z.string().regex(/^[a-z]+$/).optional(),
    /** Another toolchain whose image this one builds on, so shared layers (a TLS library build) are reused. */
    parent: z.string().optional(),
    /** The folder under images/ holding the Dockerfile. */
    recipe: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    buildArgs: z.record(z.string(), z.string()).default({}),
    postfix: z
      .object({ version: z.string(), source: sourceKind })
      .nullable()
      .default(null),
    tls: z.object({
      library: z.enum(['openssl', 'gnutls']),
      version: z.string(),
      source: sourceKind,
      options: z.array(z.string()).default([]),
    }),
    /** The feature release of the Java runtime whose JSSE runs the lab's Java client (client: java), e.g. "17". */
    java: z.string().regex(/^\d+$/, 'a Java feature release, e.g. "17"').optional(),
    /** The Go release whose crypto/tls the lab's Go client is built with (client: go), e.g. "1.24". */
    go: z.string().regex(/^\d+\.\d+$/, 'a Go release, e.g. "1.24"').optional(),
    /** Release tarballs the build needs, by file name (see the sources lockfile). */
    sources: z.array(z.string()).default([]),
  })
  .strict()
  .refine((t) => (t.base === undefined) !== (t.parent === undefined), {
    message: 'give exactly one of "base" (a Debian release) or "parent" (a toolchain)',
    path: ['base'],
  })
  .superRefine((t, ctx) => {
    // A recipe that builds the release its build argument names must declare that very release.
    const declared: [string, string | undefined][] = [['OPENSSL_VERSION', t.tls.version], ['POSTFIX_VERSION', t.postfix?.version]];
    for (const [arg, version] of declared) {
      const built = t.buildArgs[arg];
      if (built !== undefined && t.recipe.startsWith('upstream-') && built !== version) {
        ctx.addIssue({ code: 'custom', path: ['buildArgs', arg], message: `builds ${built}, but the toolchain declares ${version ?? 'none'}` });
      }
    }
  });

export type Toolchain = z.infer<typeof toolchainSchema>;

/**
 * A toolchain the receiver picks may choose: it has a Postfix, and is not one that only adds a client (Java, Go) to
 * its parent's Postfix and TLS library (as a server it is its parent; it still runs as one with --toolchain).
 */
export const isReceiverPick = (toolchain: Toolchain): boolean => toolchain.postfix !== null && toolchain.java === undefined && toolchain.go === undefined;
