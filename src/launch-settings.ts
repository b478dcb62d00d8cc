/**
 * The runtime settings hapbeat is launched with: the systemd unit (deploy/systemd/hapbeat.service), the
 * container image (Dockerfile) and the benches all start node with them. Both are read once, when the process
 * starts (V8 sizes its young generation when it creates the heap, glibc's malloc reads its variables at its
 * first call), so they cannot be set from inside hapbeat: they belong to the launcher, as Kibana's
 * `node.options` and Elasticsearch's `jvm.options` do. test/deploy checks that every launcher carries them.
 *
 * What they do, measured with `hapbeat run` polling 2,000 servers every second into Elasticsearch (README,
 * "Memory"):
 * - `--max-semi-space-size`: V8 grows each of its two young-generation halves up to 16 MB under hapbeat's
 *   allocation rate, and keeps them. Capped, the young generation stays a few MB.
 * - `MALLOC_MMAP_THRESHOLD_`: glibc serves a large block (a document slab, a CLI answer, a typed array of
 *   rates) from its own mapping and unmaps it when freed, until the first such block is freed; from then on
 *   it raises the threshold to that block's size and keeps freed blocks in its heap, which fragments and only
 *   grows. Setting the threshold, at glibc's own default of 128 KB, keeps it from moving.
 * Together they take the steady RSS from 172 MB to 104 MB, for a few ms of CPU a poll (80 ms without them, 87
 * ms with them, `npm run bench -- peer` on a busy machine: 0.29x and 0.32x the exporter's), now that a poll
 * leaves about 3 MB of garbage. With the 8 MB it left before the stat table became spans of the answer, they
 * cost about a fifth more CPU.
 */

/** Node.js options, before the script. */
export const NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];

/** Environment variables, for the process itself. */
export const LAUNCH_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '131072' };

/**
 * The launch settings this process was started without (`NODE_FLAGS` as given on the command line or in
 * NODE_OPTIONS, `LAUNCH_ENV` as variables), as they would be written; empty when none is missing. A setting
 * present with another value counts as given: it is the operator's choice.
 */
export function missingLaunchSettings(execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].map((a) => a.split('=')[0]!.replace(/_/g, '-'));
  const missing = NODE_FLAGS.filter((f) => !given.includes(f.split('=')[0]!));
  for (const [k, v] of Object.entries(LAUNCH_ENV)) if (env[k] === undefined) missing.push(`${k}=${v}`);
  return missing;
}

/** `hapbeat run` started by hand with the launch settings. */
const BY_HAND = `${Object.entries(LAUNCH_ENV)
  .map(([k, v]) => `${k}=${v}`)
  .join(' ')} node ${NODE_FLAGS.join(' ')} bin/hapbeat.js run`;

/** The start-up notice for settings `missingLaunchSettings` found missing, or undefined when none is. */
export function launchNotice(missing: readonly string[]): string | undefined {
  if (missing.length === 0) return undefined;
  return (
    `started without ${missing.join(' and ')}: the resident memory settles about 60 MB higher than with them. ` +
    `The systemd unit and the container image set them; by hand: ${BY_HAND} ... (README, "Memory: the launch settings")`
  );
}

/** The paragraph of `hapbeat run --help` on them. */
export function launchHelp(): string {
  return `\nMemory: the systemd unit and the container image start hapbeat as\n  ${BY_HAND} ...\nwhich keeps its resident memory about a third lower (README, "Memory: the launch settings").\n`;
}
