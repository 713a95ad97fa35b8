import { z } from "../zod_deferred.ts";
import type { Runner } from "../exec/mod.ts";
import { LINK_SYSCTL_TREES, linkSysctlKey, linkSysctlPath, STABLE_SECRET } from "../host/link_sysctl.ts";
import { waitOperUp } from "../host/settle.ts";
import { linkName, text } from "./fields.ts";
import { objectId } from "./objects.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";

/**
 * `link-sysctl-set`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link LinkSysctlSetStep}.
 */
export const linkSysctlSetSchema = stepSchema("link-sysctl-set", () => ({
  /** The subtree: `net.ipv4.conf`, `net.ipv6.conf`, `net.ipv4.neigh` or `net.ipv6.neigh`. */
  tree: z.enum(LINK_SYSCTL_TREES),
  /** The link whose setting it is, e.g. `br0`. */
  dev: linkName(),
  /** The setting, e.g. `arp_ignore`. */
  name: z.string().check(z.regex(/^[a-z0-9_]{1,64}$/, "not a per-interface setting")),
  /** The value to write, e.g. `"1"`. */
  value: text(),
  /**
   * Write only once the link's operational state is `UP` (waiting at most
   * {@link OPER_UP_WAIT_MS}): for a setting the kernel resets when it handles
   * the link's carrier (IPv6 `mtu`, see `waitOperUp`).
   */
  whenOperUp: z.optional(z.boolean()),
}));

/** How long a `whenOperUp` step waits for the link's operational state `UP`, in ms. */
export const OPER_UP_WAIT_MS = 3000;

/**
 * Set one per-interface setting of a link, e.g. `net.ipv4.conf.br0.arp_ignore`
 * (Documentation/networking/ip-sysctl.rst); the old value is captured.
 */
export type LinkSysctlSetStep = Infer<typeof linkSysctlSetSchema>;

/** The dotted name for humans, e.g. `net.ipv4.conf.br0.arp_ignore`, `net.ipv4.conf.eth0/100.rp_filter`. */
function dotted(s: LinkSysctlSetStep): string {
  return linkSysctlKey(s.tree, s.dev, s.name);
}

/** Whether the step writes a secret (`stable_secret`): never shown, never on a command line. */
function secret(s: LinkSysctlSetStep): boolean {
  return s.name === STABLE_SECRET;
}

/**
 * `sysctl -n` of the setting, in the `/` form that names a link with dots
 * unambiguously; an unset `stable_secret`, which cannot be read (EIO, see
 * `STABLE_SECRET`), reads as `""`.
 */
async function read(run: Runner, s: LinkSysctlSetStep): Promise<string> {
  const r = await run(["sysctl", "-n", linkSysctlPath(s.tree, s.dev, s.name)], { okCodes: secret(s) ? [0, 1] : [0] });
  return r.code === 0 ? r.stdout.trim() : "";
}

/**
 * Writes a setting: `sysctl -q -w PATH=VALUE`, or for a secret `sysctl -q -p -`
 * with `PATH = VALUE` on its stdin (sysctl(8): `-p -` reads settings from
 * stdin), so the secret is on no command line (ps, `--verbose`).
 */
async function write(run: Runner, s: LinkSysctlSetStep, value: string): Promise<void> {
  const path = linkSysctlPath(s.tree, s.dev, s.name);
  if (secret(s)) await run(["sysctl", "-q", "-p", "-"], { stdin: `${path} = ${value}\n` });
  else await run(["sysctl", "-q", "-w", `${path}=${value}`]);
}

/**
 * `link-sysctl-set`: `sysctl -w net/ipv4/conf/DEV/NAME=VALUE` (sysctl(8); the
 * `/` form, since link names may contain dots). The previous value is
 * captured first and written back by the inverse; a link that is gone has
 * nothing left to revert. With `whenOperUp`, written once the link is
 * operationally `UP`.
 */
export const linkSysctlSet: StepKind<LinkSysctlSetStep> = {
  schema: linkSysctlSetSchema,
  summary: (s) => `set ${dotted(s)} = ${secret(s) ? "(secret)" : s.value}`,
  object: (s) => objectId("link", s.dev),
  within: (s) => [objectId("link", s.dev)],
  renamed: (s, captured, rename) => ({ step: { ...s, dev: rename(s.dev) }, captured }),
  commands: (s) => [
    secret(s)
      ? ["sysctl", "-q", "-p", "-"]
      : ["sysctl", "-q", "-w", `${linkSysctlPath(s.tree, s.dev, s.name)}=${s.value}`],
  ],
  async apply(s, ctx) {
    // Not UP in time: written anyway, and the check says whether it held.
    if (s.whenOperUp) await waitOperUp(ctx.ip, s.dev, OPER_UP_WAIT_MS);
    await write(ctx.run, s, s.value);
  },
  capture: (s, ctx) => read(ctx.run, s),
  async verify(s, ctx) {
    const now = await read(ctx.run, s);
    if (now === s.value) return undefined;
    return secret(s) ? `${dotted(s)} is not the secret written` : `${dotted(s)} is ${now}, not ${s.value}`;
  },
  async isReverted(s, ctx, captured) {
    if (!(await ctx.ip.link(s.dev))) return true;
    return (await read(ctx.run, s)) === String(captured);
  },
  preview(s, _ctx, captured) {
    if (secret(s) && captured === "") {
      return Promise.resolve(["nothing: a secret cannot be unset; it goes with the link"]);
    }
    const path = linkSysctlPath(s.tree, s.dev, s.name);
    // The secret's value is not shown (it is written through sysctl's stdin, not its arguments).
    return Promise.resolve([
      secret(s) ? `$ sysctl -q -p - (writing ${path} = (secret))` : `$ sysctl -q -w ${path}=${String(captured)}`,
    ]);
  },
  async revert(s, ctx, captured) {
    // A secret cannot be unset again: the link keeps it until it is deleted (undo deletes the bridge next).
    if (secret(s) && captured === "") return;
    await write(ctx.run, s, String(captured));
  },
};
