/**
 * Validation of the names nsrecipe passes to iproute2: network namespace
 * names and link (interface) names. A conservative allow-list, checked before
 * any step runs, so a hostile or odd name can neither reach a command line as
 * something else nor leave a half-built host behind.
 *
 * @module
 */
import { UsageError } from "./errors.ts";
import { quote } from "./quote.ts";

/**
 * Longest link name in bytes: `IFNAMSIZ` (16) minus the terminating NUL, see
 * netdevice(7). iproute2 answers `"name" not a valid ifname` past it.
 */
export const IFNAME_MAX = 15;

/**
 * The bridge recipes attach namespaces to when no `--bridge` is given, and
 * the one doctor names in the rules it suggests.
 */
export const DEFAULT_BRIDGE = "br0";

/** Longest network namespace name nsrecipe accepts, in bytes. */
export const NETNS_NAME_MAX = 64;

/**
 * The characters a name nsrecipe writes may have: letters, digits, `.`, `_`
 * and `-`, starting with a letter or digit (so it cannot be read as an option
 * or a path). Checked by {@link checkNetnsName} and {@link checkLinkName} on
 * input, and by the journal on every name a step carries.
 */
export const NAME_PATTERN: RegExp = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * Words that iproute2 parses as keywords where a device or namespace name may
 * stand (`ip link set help up` prints usage). nsrecipe always writes `dev NAME`
 * but refuses these anyway: an admin typing the manual commands would trip.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  "all",
  "any",
  "default",
  "dev",
  "down",
  "help",
  "name",
  "netns",
  "nomaster",
  "master",
  "type",
  "up",
  "list",
  "lo",
]);

function check(kind: string, option: string, name: string, max: number): string {
  const bytes = new TextEncoder().encode(name).length;
  if (name.length === 0) {
    throw new UsageError(`The ${kind} name given to ${option} is empty`, `Give a name like 'web'.`);
  }
  if (bytes > max) {
    throw new UsageError(
      `The ${kind} name ${quote(name)} is ${bytes} bytes long; the limit is ${max}`,
      `Choose a name of at most ${max} bytes.`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(
      `The ${kind} name ${quote(name)} given to ${option} is not allowed`,
      "Use letters, digits, '.', '_' and '-', starting with a letter or digit.",
    );
  }
  if (RESERVED_NAMES.has(name.toLowerCase())) {
    throw new UsageError(
      `The ${kind} name ${quote(name)} given to ${option} is an iproute2 keyword`,
      "Choose another name.",
    );
  }
  return name;
}

/**
 * Checks a network namespace name (a file name under `/run/netns`, see
 * ip-netns(8)).
 *
 * @param name The name, e.g. `web`.
 * @param option The option it came from, for the message (e.g. `--name`).
 * @returns The same name.
 * @throws {UsageError} When empty, over {@link NETNS_NAME_MAX} bytes, outside
 *   `[A-Za-z0-9][A-Za-z0-9_.-]*`, or a reserved word.
 */
export function checkNetnsName(name: string, option = "--name"): string {
  return check("namespace", option, name, NETNS_NAME_MAX);
}

/**
 * Checks a link name (see netdevice(7): at most `IFNAMSIZ - 1` bytes).
 *
 * @param name The name, e.g. `br0`.
 * @param option The option it came from, for the message (e.g. `--bridge`).
 * @returns The same name.
 * @throws {UsageError} When empty, over {@link IFNAME_MAX} bytes, outside
 *   `[A-Za-z0-9][A-Za-z0-9_.-]*`, or a reserved word.
 */
export function checkLinkName(name: string, option = "--bridge"): string {
  return check("link", option, name, IFNAME_MAX);
}
