/**
 * How a command enters what a recipe made: the argv prefixes that start it as
 * PID 1 of a new PID namespace, in the host's network namespace or in a named
 * one. Plain data with no dependency, so that `exec` and `shell` enter an
 * applied run without loading the recipes (their zod schemas and subnet code).
 *
 * @module
 */

/**
 * The argv prefix that starts a command as PID 1 of a new PID namespace with
 * its own `/proc` (unshare(1): `--fork` so the command is the namespace's
 * first process, not the caller; `--mount-proc` implies a new mount namespace;
 * `--kill-child` so the namespace dies with unshare).
 */
export const PID_NS_PREFIX: readonly string[] = [
  "unshare",
  "--fork",
  "--pid",
  "--mount-proc",
  "--kill-child",
  "--",
];

/**
 * The argv prefix that runs a command in a named netns, as PID 1 of a new PID
 * namespace (ip-netns(8) `exec` also gives it a fresh sysfs).
 * @param name The netns name, e.g. `web`.
 * @returns The prefix, e.g. `ip netns exec web unshare --fork … --`; the command is appended.
 */
export function netnsEnter(name: string): string[] {
  return ["ip", "netns", "exec", name, ...PID_NS_PREFIX];
}
