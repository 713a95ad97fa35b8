/**
 * Turns iproute2's and util-linux's terse messages into what to do next.
 *
 * @module
 */

const HINTS: ReadonlyArray<[RegExp, string]> = [
  [/File exists/, "The object already exists: pick another name, or undo the run that made it (`nsrecipe status`)."],
  [
    /Cannot find device|does not exist|No such device/,
    "The device is gone: check `ip -br link`; if a run made it, `nsrecipe undo` copes with that.",
  ],
  [/Operation not permitted|Permission denied/, "Run nsrecipe as root (it needs CAP_NET_ADMIN and CAP_SYS_ADMIN)."],
  [/not a valid ifname/, "Interface names are 1 to 15 bytes of letters, digits, '.', '_' and '-'."],
  [/Nexthop has invalid gateway/, "The gateway must be on a subnet configured on an UP link."],
  [
    /Cannot open network namespace|No such file or directory/,
    "The network namespace is missing or stale: see `ip netns list`.",
  ],
  [
    /Operation not supported/,
    "The kernel or the device does not support this (a wireless station cannot join a bridge).",
  ],
  [/Device or resource busy/, "Something still uses it: end the processes inside (`ip netns pids NAME`)."],
  [/Address already in use/, "Another link already holds this address: choose another with --address."],
];

/**
 * Suggests the next action for a failed command from its stderr.
 *
 * @param argv The failed command.
 * @param stderr Its stderr, e.g. `RTNETLINK answers: File exists`.
 * @returns One sentence, or `""` when no known message matched.
 */
export function hintFor(argv: readonly string[], stderr: string): string {
  for (const [re, hint] of HINTS) if (re.test(stderr)) return hint;
  return argv[0] === "ip" ? "See ip(8) for the command above." : "";
}

/** The Debian package that provides each program nsrecipe runs (the `run` list of deno.json's permission set). */
export const PACKAGE_OF: Readonly<Record<string, string>> = {
  ip: "iproute2",
  unshare: "util-linux",
  nsenter: "util-linux",
  lsns: "util-linux",
  setsid: "util-linux",
  setpriv: "util-linux",
  mount: "mount",
  kill: "procps",
  sysctl: "procps",
  cat: "coreutils",
  stat: "coreutils",
  head: "coreutils",
  stty: "coreutils",
  test: "coreutils",
  ping: "iputils-ping",
  arping: "iputils-arping",
  nft: "nftables",
  ss: "iproute2",
  gzip: "gzip",
  iptables: "iptables",
  ip6tables: "iptables",
  logger: "bsdutils",
  wall: "bsdutils",
  "systemd-run": "systemd",
};

/**
 * What to do about a program that is not installed or not in PATH.
 * @param program e.g. `ip`.
 * @returns One sentence naming the Debian package, e.g. `Install it ('apt install iproute2') or fix PATH.`
 */
export function installHint(program: string): string {
  const pkg = PACKAGE_OF[program];
  return pkg ? `Install it ('apt install ${pkg}') or fix PATH.` : "Install it or fix PATH.";
}

/**
 * What to do about several missing programs, in one sentence: their Debian
 * packages, each once, in one `apt install` ({@link PACKAGE_OF}).
 * @param programs Program names, e.g. `["ip", "head", "cat"]`.
 * @returns e.g. `Install them ('apt install iproute2 coreutils') or fix PATH.`; {@link installHint}'s for one.
 */
export function installHints(programs: readonly string[]): string {
  if (programs.length === 1) return installHint(programs[0]);
  const pkgs = [...new Set(programs.map((p) => PACKAGE_OF[p]).filter((p) => p !== undefined))];
  return pkgs.length ? `Install them ('apt install ${pkgs.join(" ")}') or fix PATH.` : "Install them or fix PATH.";
}
