import { z } from "../zod_deferred.ts";
import { text } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import type { Runner } from "../exec/mod.ts";
import { objectId } from "./objects.ts";
import { type LinkSysctl, linkSysctlPath, readLinkSysctls } from "../host/link_sysctl.ts";

/** A dotted sysctl key, e.g. `net.ipv4.conf.eth0.forwarding` (sysctl(8)): never an option or a path. */
export const SYSCTL_KEY_PATTERN: RegExp = /^[A-Za-z0-9_][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

/**
 * `sysctl-set`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link SysctlSetStep}.
 */
export const sysctlSetSchema = stepSchema("sysctl-set", () => ({
  /** Dotted key, e.g. `net.ipv4.ip_forward`. */
  key: z.string().check(z.regex(SYSCTL_KEY_PATTERN, "not a sysctl key")),
  /** The value to write, e.g. `"1"`. */
  value: text(),
}));

/** Set a sysctl under `/proc/sys` (sysctl(8)); the old value is captured. */
export type SysctlSetStep = Infer<typeof sysctlSetSchema>;

/**
 * Reads a sysctl with `sysctl -n KEY` (sysctl(8)); Deno grants no access to
 * `/proc/sys` short of `--allow-all`.
 * @param run The process seam.
 * @param key Dotted key, e.g. `net.ipv4.ip_forward`.
 * @returns The value, trimmed.
 * @throws {CommandError} For an unknown key.
 */
export async function readSysctl(run: Runner, key: string): Promise<string> {
  return (await run(["sysctl", "-n", key])).stdout.trim();
}

/**
 * The per-interface setting the kernel overwrites everywhere when a global key
 * is written, by key:
 * - `net.ipv4.ip_forward` (the same setting as `net.ipv4.conf.all.forwarding`):
 *   writing it changes every `conf/DEV/forwarding` (Documentation/networking/ip-sysctl.rst;
 *   net/ipv4/devinet.c `inet_forward_change` copies it to `conf.default` and
 *   to every interface);
 * - `net.ipv6.conf.all.forwarding`: "all" changes `default` and every
 *   interface's `forwarding` (ip-sysctl.rst "conf/all/forwarding";
 *   net/ipv6/addrconf.c `addrconf_forward_change`).
 * The kernel does so only when the value changes.
 */
export const PROPAGATING_SYSCTLS: Readonly<Record<string, { tree: LinkSysctl["tree"]; name: string }>> = {
  "net.ipv4.ip_forward": { tree: "net.ipv4.conf", name: "forwarding" },
  "net.ipv4.conf.all.forwarding": { tree: "net.ipv4.conf", name: "forwarding" },
  "net.ipv6.conf.all.forwarding": { tree: "net.ipv6.conf", name: "forwarding" },
};

/**
 * What `sysctl-set` captures for a key of {@link PROPAGATING_SYSCTLS}: its
 * value, and the value of the setting it overwrites on `default` and on every
 * interface, by `/` path (`net/ipv4/conf/eth0/forwarding`: the form that names
 * a link with dots unambiguously). For any other key the capture is the value
 * alone, a string (as journals always held).
 */
export interface PropagatingCapture {
  /** The key's value before the step, e.g. `"0"`. */
  value: string;
  /** The overwritten settings before the step, e.g. `{ "net/ipv4/conf/eth0/forwarding": "1" }`. */
  others: Record<string, string>;
}

/** The settings `key`'s write overwrites, as now: `/` path → value (`all` itself left out). */
async function readOthers(run: Runner, key: string): Promise<Record<string, string>> {
  const p = PROPAGATING_SYSCTLS[key];
  if (!p) return {};
  const all = await readLinkSysctls(run, undefined, [p.tree]);
  return Object.fromEntries(
    all.filter((x) => x.name === p.name && x.dev !== "all").map((
      x,
    ) => [linkSysctlPath(x.tree, x.dev, x.name), x.value]),
  );
}

/** The captured value and overwritten settings, from either capture form. */
function captureOf(captured: unknown): PropagatingCapture {
  return typeof captured === "object" && captured !== null && "value" in captured
    ? captured as PropagatingCapture
    : { value: String(captured), others: {} };
}

/** The captured settings that exist now and differ from their captured value. */
async function changedOthers(run: Runner, key: string, captured: PropagatingCapture): Promise<[string, string][]> {
  if (Object.keys(captured.others).length === 0) return [];
  const now = await readOthers(run, key);
  return Object.entries(captured.others).filter(([path, value]) => path in now && now[path] !== value);
}

/**
 * `sysctl-set`: `sysctl -w KEY=VALUE` (sysctl(8)). The previous value is
 * captured first and written back by the inverse. For a key whose write
 * overwrites other settings ({@link PROPAGATING_SYSCTLS}: `ip_forward` sets
 * every interface's `forwarding`), those are captured too
 * ({@link PropagatingCapture}) and the inverse, after writing the key back,
 * writes back each that still exists and differs (an interface that is gone
 * has nothing to restore; one made since keeps what the kernel gave it), so
 * a per-interface `forwarding=1` on a host whose global is 0 survives undo.
 */
export const sysctlSet: StepKind<SysctlSetStep> = {
  schema: sysctlSetSchema,
  summary: (s) => `set sysctl ${s.key} = ${s.value}`,
  object: (s) => objectId("sysctl", s.key),
  commands: (s) => [["sysctl", "-w", `${s.key}=${s.value}`]],
  async capture(s, ctx) {
    const value = await readSysctl(ctx.run, s.key);
    return PROPAGATING_SYSCTLS[s.key] ? { value, others: await readOthers(ctx.run, s.key) } : value;
  },
  async verify(s, ctx) {
    const now = await readSysctl(ctx.run, s.key);
    return now === s.value ? undefined : `${s.key} is ${now}, not ${s.value}`;
  },
  async isReverted(s, ctx, captured) {
    const c = captureOf(captured);
    return (await readSysctl(ctx.run, s.key)) === c.value && (await changedOthers(ctx.run, s.key, c)).length === 0;
  },
  async revert(s, ctx, captured) {
    const c = captureOf(captured);
    if ((await readSysctl(ctx.run, s.key)) !== c.value) await ctx.run(["sysctl", "-w", `${s.key}=${c.value}`]);
    // Read after that write: it propagates to every link's value, which are then put back as captured.
    for (const [path, value] of await changedOthers(ctx.run, s.key, c)) {
      await ctx.run(["sysctl", "-q", "-w", `${path}=${value}`]);
    }
  },
  async preview(s, ctx, captured) {
    const c = captureOf(captured);
    return [
      ...((await readSysctl(ctx.run, s.key)) !== c.value ? [`$ sysctl -w ${s.key}=${c.value}`] : []),
      ...(PROPAGATING_SYSCTLS[s.key]
        ? [`then puts back, as they were, the links' values that write propagates to ('sysctl -q -w …')`]
        : []),
    ];
  },
};
