import { z } from "zod";
import { netnsName } from "./fields.ts";
import type { Infer, StepContext, StepKind } from "./types.ts";
import { netnsEntryState } from "../host/mod.ts";
import { objectId } from "./objects.ts";
import { sanitize } from "../quote.ts";

/**
 * The schema of a `netns-add` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link NetnsAddStep}.
 */
export const netnsAddSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("netns-add"),
  /** Name of the new netns, i.e. the entry `/run/netns/NAME`. */
  netns: netnsName,
});

/** Create a named network namespace: `ip netns add NAME` (ip-netns(8)). */
export type NetnsAddStep = Infer<typeof netnsAddSchema>;

/** How long undo waits for processes in a netns to exit after SIGTERM, in ms. */
export const NETNS_TERM_GRACE_MS = 2000;

/**
 * `netns-add`: `ip netns add NAME` creates `/run/netns/NAME`, a bind mount of
 * a new network namespace (ip-netns(8)). Undo first ends every process still
 * inside (`ip netns pids`, SIGTERM, then SIGKILL after
 * {@link NETNS_TERM_GRACE_MS}): `ip netns del` only drops the name and a
 * process inside would keep the namespace, and its veth, alive.
 */
export const netnsAdd: StepKind<NetnsAddStep> = {
  schema: netnsAddSchema,
  summary: (s) => `create network namespace '${s.netns}'`,
  object: (s) => objectId("netns", s.netns),
  commands: (s) => [["ip", "netns", "add", s.netns]],
  async verify(s, ctx) {
    const state = await netnsEntryState(ctx.run, s.netns);
    if (state === "absent") return `'${s.netns}' is not in 'ip netns list'`;
    return state === "live" ? undefined : `/run/netns/${s.netns} is not a namespace mount`;
  },
  isReverted: async (s, ctx) => await netnsEntryState(ctx.run, s.netns) === "absent",
  async revert(s, ctx) {
    let pids = await ctx.ip.netnsPids(s.netns);
    if (pids.length > 0) {
      ctx.log?.(`Ending ${processList(await commandLines(ctx, pids))} still in '${s.netns}' (SIGTERM)`);
      await ctx.run(["kill", "-TERM", ...pids.map(String)], { okCodes: [0, 1] });
      const deadline = Date.now() + NETNS_TERM_GRACE_MS;
      while ((pids = await ctx.ip.netnsPids(s.netns)).length > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      if (pids.length > 0) {
        ctx.log?.(
          `${
            processList(await commandLines(ctx, pids))
          } did not exit within ${NETNS_TERM_GRACE_MS} ms: killed (SIGKILL)`,
        );
        await ctx.run(["kill", "-KILL", ...pids.map(String)], { okCodes: [0, 1] });
      }
    }
    await ctx.run(["ip", "netns", "del", s.netns]);
  },
};

/**
 * The command line of each process, read from `/proc/PID/cmdline` (proc(5):
 * arguments separated by NUL) with `cat`; a process that has exited
 * meanwhile reads as `?`.
 * @param ctx The step context.
 * @param pids Process ids (host PID namespace).
 * @returns `[pid, "sleep 1000"]` pairs, in the given order.
 */
async function commandLines(ctx: StepContext, pids: readonly number[]): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for (const pid of pids) {
    const r = await ctx.run(["cat", `/proc/${pid}/cmdline`], { okCodes: [0, 1] });
    const line = r.code === 0 ? r.stdout.split("\0").filter((w) => w !== "").join(" ") : "";
    out.push([pid, line.length > 60 ? `${line.slice(0, 59)}…` : line || "?"]);
  }
  return out;
}

/**
 * Names processes for the admin.
 * @param procs `[pid, command line]` pairs.
 * @returns e.g. `2 processes: 1234 (sleep 1000), 1240 (bash)`.
 */
export function processList(procs: readonly [number, string][]): string {
  const names = procs.map(([pid, cmd]) => `${pid} (${sanitize(cmd)})`).join(", ");
  return `${procs.length} ${procs.length === 1 ? "process" : "processes"}: ${names}`;
}
