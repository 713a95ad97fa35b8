/**
 * Per-interface kernel settings: the `net.ipv4.conf.<link>.*` and
 * `net.ipv6.conf.<link>.*` sysctls (Documentation/networking/ip-sysctl.rst),
 * with `all` and `default` among the "links", and the per-interface
 * neighbour settings `net.ipv{4,6}.neigh.<link>.*`. They are per network
 * namespace; read with sysctl(8), since Deno grants no access to `/proc/sys`
 * short of `--allow-all`. Read-only.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/** The sysctl subtrees holding per-interface settings. */
export const LINK_SYSCTL_TREES = ["net.ipv4.conf", "net.ipv6.conf", "net.ipv4.neigh", "net.ipv6.neigh"] as const;

/** One per-interface setting. */
export interface LinkSysctl {
  /** `net.ipv4.conf`, `net.ipv6.conf`, `net.ipv4.neigh` or `net.ipv6.neigh`. */
  tree: (typeof LINK_SYSCTL_TREES)[number];
  /** Link name (may contain dots, e.g. `eth0.100`), or `all` / `default`. */
  dev: string;
  /** Setting name, e.g. `arp_ignore` (never contains a dot). */
  name: string;
  /** Value as sysctl prints it, e.g. `1` or `4096	87380	6291456`. */
  value: string;
}

/**
 * Parses one dotted sysctl key as sysctl(8) prints it,
 * `net.ipv4.conf.eth0/100.rp_filter`: the setting is the last dotted
 * component, the link everything between the tree and it, with each `/` read
 * back as the `.` it stands for (sysctl(8) swaps them in a key: "the dots
 * are separators"; a link name never holds a `/`, net/core/dev.c
 * `dev_valid_name`). A key with the link's dots left as dots
 * (`net.ipv4.conf.eth0.100.rp_filter`) parses to the same link.
 * @param key The key as sysctl(8) prints it.
 * @returns Its tree, link and setting, or `undefined` for a key of another tree.
 */
export function parseLinkSysctlKey(key: string): Omit<LinkSysctl, "value"> | undefined {
  const tree = LINK_SYSCTL_TREES.find((t) => key.startsWith(`${t}.`));
  const dot = key.lastIndexOf(".");
  if (!tree || dot <= tree.length) return undefined;
  return { tree, dev: key.slice(tree.length + 1, dot).replaceAll("/", "."), name: key.slice(dot + 1) };
}

/**
 * Parses sysctl(8) output lines `net.ipv4.conf.eth0.100.rp_filter = 1` (see
 * {@link parseLinkSysctlKey}).
 * @param text sysctl output.
 * @returns The settings, in output order; lines of other trees are skipped.
 */
export function parseLinkSysctls(text: string): LinkSysctl[] {
  const out: LinkSysctl[] = [];
  for (const line of text.split("\n")) {
    const eq = line.indexOf(" = ");
    const key = eq < 0 ? undefined : parseLinkSysctlKey(line.slice(0, eq));
    if (key) out.push({ ...key, value: line.slice(eq + 3) });
  }
  return out;
}

/**
 * The sysctl(8) path of one per-interface setting in its `/` form
 * (`net/ipv4/conf/eth0.100/rp_filter`, the file under `/proc/sys`), which
 * names a link with dots unambiguously: sysctl(8) takes a name whose first
 * separator is `/` as a path and leaves its dots alone. The one place a
 * command's sysctl name is built from a link name (see {@link linkSysctlKey}
 * for the form shown to people).
 * @param tree The subtree, e.g. `net.ipv4.conf`.
 * @param dev Link name, or `all` / `default`; with or without dots.
 * @param name Setting name (no dot, no `/`), or `""` for the link's directory.
 * @returns The path, e.g. `net/ipv4/conf/eth0.100/rp_filter`.
 * @throws {RangeError} For a link name sysctl(8) cannot address: empty, `.`,
 *   `..`, or holding `/`, `=` (sysctl -w splits `KEY=VALUE` at the first `=`)
 *   or whitespace; the kernel refuses such names too, but for `=`.
 */
export function linkSysctlPath(tree: LinkSysctl["tree"], dev: string, name: string): string {
  checkSysctlDev(dev);
  return `${tree.replaceAll(".", "/")}/${dev}${name === "" ? "" : `/${name}`}`;
}

/**
 * The dotted sysctl(8) key of one per-interface setting, as sysctl prints it
 * and sysctl.d(5) files write it: the link's own dots written as `/`
 * (`net.ipv4.conf.eth0/100.rp_filter`; "net.ipv4.conf.eth0.100.rp_filter"
 * would name link `eth0`'s setting `100.rp_filter`). Shown to people; commands
 * use {@link linkSysctlPath}.
 * @param tree The subtree, e.g. `net.ipv4.conf`.
 * @param dev Link name, or `all` / `default`.
 * @param name Setting name.
 * @returns The key.
 * @throws {RangeError} As {@link linkSysctlPath}.
 */
export function linkSysctlKey(tree: LinkSysctl["tree"], dev: string, name: string): string {
  checkSysctlDev(dev);
  return `${tree}.${dev.replaceAll(".", "/")}.${name}`;
}

/** Throws for a link name no sysctl name can address (see {@link linkSysctlPath}). */
function checkSysctlDev(dev: string): void {
  if (dev === "" || dev === "." || dev === ".." || /[/=\s]/.test(dev)) {
    throw new RangeError(`'${dev}' cannot be named in a sysctl key (empty, '.', '..', or holds '/', '=' or a space)`);
  }
}

/**
 * The key of the one per-interface setting that cannot always be read:
 * `net.ipv6.conf.DEV.stable_secret`, the secret of stable privacy addresses
 * (RFC 7217). Reading it while it is unset fails with EIO
 * (Documentation/networking/ip-sysctl.rst: "By default the stable secret is
 * unset"; net/ipv6/addrconf.c `addrconf_sysctl_stable_secret`), and sysctl(8)
 * then exits non-zero. Writing it sets the link's `addr_gen_mode` to 2
 * (stable_privacy), the mode that uses a secret an admin set (in mode 3,
 * random, the kernel makes a random one of its own, `ipv6_gen_mode_random_init`
 * in net/ipv6/addrconf.c: not a setting to keep or restore).
 */
export const STABLE_SECRET = "stable_secret";

/** `addr_gen_mode` of a link that generates stable privacy addresses (IN6_ADDR_GEN_MODE_STABLE_PRIVACY). */
const STABLE_PRIVACY = "2";

/**
 * Whether a link's {@link STABLE_SECRET} is one of its settings: only when
 * its `addr_gen_mode`, among the settings read, is stable_privacy (2), the
 * mode that uses a secret an admin set (the kernel sets it when the secret is
 * written; see {@link STABLE_SECRET} for mode 3). Pure.
 * @param secret The `stable_secret` key of one link (its tree and dev).
 * @param read The other settings read, the link's `addr_gen_mode` among them.
 * @returns `true` when the secret is read and kept.
 */
export function keepsStableSecret(secret: Pick<LinkSysctl, "tree" | "dev">, read: readonly LinkSysctl[]): boolean {
  return read.some((y) =>
    y.tree === secret.tree && y.dev === secret.dev && y.name === "addr_gen_mode" && y.value === STABLE_PRIVACY
  );
}

/**
 * Reads the per-interface settings of a network namespace, or only those of
 * some interfaces (`net/ipv4/conf/eth0 …`: the `/` form names a link with
 * dots unambiguously; sysctl(8) prints keys with dots), with no process that
 * fails on an unset `stable_secret` ({@link STABLE_SECRET}):
 * 1. `sysctl -N -e KEYS` lists the keys without reading them (`-e` leaves out
 *    those that do not exist: the neighbour trees are not asked for `all`,
 *    which they never have, and have `default` only in the initial network
 *    namespace; a tree is missing when IPv6 is disabled);
 * 2. `sysctl KEYS` reads every key but the secrets (in several calls on a
 *    host of hundreds of links, {@link argvParts});
 * 3. `sysctl -n net/ipv6/conf/DEV/stable_secret` is read only for a link whose
 *    `addr_gen_mode` is stable_privacy (2), the mode that uses a secret an
 *    admin set, which the kernel sets when the secret is written. Such a link without its own
 *    secret uses the namespace's `default` one (a link that existed when that
 *    was written): this read then fails (EIO) and the setting is left out, as
 *    unset. `default`'s own secret is read by the same rule, when `default`'s
 *    mode is 2 (writing it leaves `default`'s mode as it was, sets every
 *    existing link's to 2, and the kernel copies it into every link made
 *    later).
 * Deno grants no read of `/proc/sys` short of `--allow-all`, hence sysctl.
 * @param run The process seam.
 * @param netns A named netns (read through `ip netns exec`), or `undefined`.
 * @param trees The subtrees to read; default all four.
 * @param devs Only these interfaces (`all` and `default` are names too); default every one.
 * @returns The settings, in sysctl's order, the secrets last; `[]` of a tree when IPv6 is disabled.
 * @throws {CommandError} When sysctl cannot be started, or fails to list or
 *   read a key (e.g. "cannot stat /proc/sys/…": the link went away meanwhile):
 *   a setting that could not be read is never taken for one that is not there.
 */
export async function readLinkSysctls(
  run: Runner,
  netns?: string,
  trees: readonly LinkSysctl["tree"][] = LINK_SYSCTL_TREES,
  devs?: readonly string[],
): Promise<LinkSysctl[]> {
  const keys = devs === undefined
    ? trees
    : trees.flatMap((t) =>
      devs.filter((d) => !(d === "all" && t.endsWith(".neigh"))).map((d) => linkSysctlPath(t, d, ""))
    );
  const sysctl = [...(netns ? ["ip", "netns", "exec", netns] : []), "sysctl"];
  const listed = (await mustRun(run, [...sysctl, "-N", "-e", ...keys])).split("\n")
    .flatMap((k) => parseLinkSysctlKey(k.trim()) ?? []);
  const readable = listed.filter((x) => x.name !== STABLE_SECRET);
  const out: LinkSysctl[] = [];
  for (const part of argvParts(readable.map((x) => linkSysctlPath(x.tree, x.dev, x.name)))) {
    out.push(...parseLinkSysctls(await mustRun(run, [...sysctl, ...part])));
  }
  const secrets = listed.filter((x) => x.name === STABLE_SECRET && keepsStableSecret(x, out));
  for (const x of secrets) {
    const r = await run([...sysctl, "-n", linkSysctlPath(x.tree, x.dev, x.name)], { okCodes: [0, 1] });
    if (r.code === 0) out.push({ ...x, value: r.stdout.trim() });
  }
  return out;
}

/**
 * The most bytes of keys one sysctl(8) call is given ({@link argvParts}):
 * far under the kernel's limits on a command line (execve(2): 128 KiB a
 * string, a quarter of the stack limit in all, ARG_MAX 2 MiB by default), so
 * that the environment and `ip netns exec`'s words fit beside them. A host
 * of 400 links has about 50,000 per-interface keys, 2 MB of them: in one
 * call, execve failed with E2BIG ("Argument list too long").
 */
export const SYSCTL_ARGV_BYTES = 64 * 1024;

/**
 * Splits keys into runs of at most {@link SYSCTL_ARGV_BYTES} bytes each
 * (a key's bytes and its terminating NUL), in order; a key longer than that
 * alone is a run of its own. Pure.
 * @param keys sysctl keys, e.g. `net/ipv4/conf/eth0/rp_filter`.
 * @param max The most bytes a run holds; tests pass a small one.
 * @returns The runs; none for no key.
 */
export function argvParts(keys: readonly string[], max: number = SYSCTL_ARGV_BYTES): string[][] {
  const parts: string[][] = [];
  let size = max;
  for (const key of keys) {
    const bytes = new TextEncoder().encode(key).length + 1;
    if (size + bytes > max) {
      parts.push([]);
      size = 0;
    }
    parts[parts.length - 1].push(key);
    size += bytes;
  }
  return parts;
}

/**
 * Runs sysctl and gives its stdout; any exit but 0 (procps sysctl exits
 * non-zero when it cannot read a key it was given) throws, naming the
 * command and sysctl's own message.
 */
async function mustRun(run: Runner, argv: readonly string[]): Promise<string> {
  const r = await run(argv, { okCodes: ANY_EXIT });
  if (r.code !== 0) {
    throw new CommandError(
      argv,
      r.code,
      r.stderr.trim(),
      "A per-interface setting could not be read, so it cannot be saved for undo; nothing was changed. Run again; if it persists, check the link with 'ip link show'.",
    );
  }
  return r.stdout;
}
