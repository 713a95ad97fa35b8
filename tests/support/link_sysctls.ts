/**
 * The test harness's reader of per-interface settings: every setting of
 * every link of a namespace (the trees of `LINK_SYSCTL_TREES`) read by one
 * grep(1) over `/proc/sys`, the same settings `readLinkSysctls` reads with
 * two or three sysctl(8) processes (list the keys, read them, then the
 * secrets in use). Every snapshot a test takes reads them, several thousand
 * a suite: in a lab, sysctl's listing and reading cost about 15 and 19 ms of
 * CPU a snapshot, grep's one pass about 8 (system-wide CPU per call, 20
 * calls each, both beside a 3-4 ms start through nsenter). Tests may run
 * what nsrecipe's permission set does not allow; nsrecipe keeps sysctl.
 *
 * What it keeps is what sysctl(8) shows (`tests/e2e/link_sysctls_test.ts`
 * proves the two readers equal on one lab, secrets and dotted link names
 * included):
 *
 * - not the keys procps-ng's sysctl leaves out of a listing as deprecated
 *   ({@link SYSCTL_DEPRECATED}: the neighbour trees' `base_reachable_time`
 *   and `retrans_time`, superseded by their `_ms` forms);
 * - a link's `stable_secret` only while its `addr_gen_mode` is
 *   stable_privacy (`keepsStableSecret`); read while unset it fails with
 *   EIO, which is the one read error grep may report here: any other
 *   throws, as sysctl's would.
 *
 * @module
 */
import type { Runner } from "../../src/exec/mod.ts";
import { keepsStableSecret, LINK_SYSCTL_TREES, type LinkSysctl, STABLE_SECRET } from "../../src/host/mod.ts";

/**
 * Keys procps-ng's sysctl(8) leaves out when it lists a tree
 * (`DEPRECATED` in procps' sysctl.c; it still reads them when named).
 */
export const SYSCTL_DEPRECATED: ReadonlySet<string> = new Set(["base_reachable_time", "retrans_time"]);

/** The `/proc/sys` directory of a tree, e.g. `/proc/sys/net/ipv4/conf`. */
function treeDir(tree: LinkSysctl["tree"]): string {
  return `/proc/sys/${tree.replaceAll(".", "/")}`;
}

/**
 * Parses `grep -r -H ""` output over the trees' directories: one line
 * `/proc/sys/net/ipv4/conf/eth0.100/rp_filter:1` per file (a link name holds
 * neither `/` nor `:`, a key neither; dev_valid_name in net/core/dev.c).
 * Lines of other paths are skipped. Pure.
 * @param text grep's stdout.
 * @returns The settings, in grep's order, deprecated keys left out, secrets kept (see {@link grepLinkSysctls}).
 */
export function parseGrepSysctls(text: string): LinkSysctl[] {
  const out: LinkSysctl[] = [];
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const path = line.slice(0, colon);
    const tree = LINK_SYSCTL_TREES.find((t) => path.startsWith(`${treeDir(t)}/`));
    if (!tree) continue;
    const [dev, name, ...rest] = path.slice(treeDir(tree).length + 1).split("/");
    if (!dev || !name || rest.length > 0) continue;
    if (tree.endsWith(".neigh") && SYSCTL_DEPRECATED.has(name)) continue;
    out.push({ tree, dev, name, value: line.slice(colon + 1) });
  }
  return out;
}

/**
 * Reads every per-interface setting of a namespace with one grep(1)
 * (`env LC_ALL=C grep -r -H "" DIRS`, through `ip netns exec NS` for a named netns), as
 * `readLinkSysctls(run, netns)` with its defaults reads them (see the
 * module doc). Fits `takeSnapshot`'s `readSysctls`.
 * @param run The process seam.
 * @param netns A named netns, or `undefined` for the runner's own.
 * @returns The settings: the secrets in use last, the others in grep's order.
 * @throws {Error} When grep fails other than on an unset secret (its message and the command), or a link's name is
 *   not UTF-8.
 */
export async function grepLinkSysctls(run: Runner, netns?: string): Promise<LinkSysctl[]> {
  // LC_ALL=C: the unset secret's error is matched by its English text.
  const argv = [
    ...(netns ? ["ip", "netns", "exec", netns] : []),
    "env",
    "LC_ALL=C",
    "grep",
    "-r",
    "-H",
    "",
    ...LINK_SYSCTL_TREES.map(treeDir),
  ];
  const r = await run(argv, { okCodes: [0, 1, 2] });
  const errors = r.stderr.split("\n").filter((l) => l !== "" && !/\/stable_secret: Input\/output error$/.test(l));
  if (r.code === 1 || errors.length > 0) {
    throw new Error(`'${argv.join(" ")}' failed (exit ${r.code}): ${errors.join("; ") || "no setting read"}`);
  }
  const read = parseGrepSysctls(r.stdout);
  // A link name that is not UTF-8 reads as U+FFFD: not the link's name, and two such links would read as one
  // (sysctl(8) then fails to open the path, and readLinkSysctls throws).
  const unreadable = read.find((x) => x.dev.includes("\uFFFD"));
  if (unreadable) throw new Error(`'${argv.join(" ")}': a link name is not UTF-8 ('${unreadable.dev}')`);
  const others = read.filter((x) => x.name !== STABLE_SECRET);
  return [...others, ...read.filter((x) => x.name === STABLE_SECRET && keepsStableSecret(x, others))];
}
