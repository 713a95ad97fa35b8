import { netnsName } from "./fields.ts";
import { type Infer, type StepContext, type StepKind, stepSchema } from "./types.ts";
import { NETNS_RUN_DIR, netnsEntryState } from "../host/sysfs.ts";
import { objectId } from "./objects.ts";
import { sanitize } from "../quote.ts";
import { CommandError } from "../errors.ts";

/**
 * `netns-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link NetnsAddStep}.
 */
export const netnsAddSchema = stepSchema("netns-add", () => ({
  /** Name of the new netns, i.e. the entry `/run/netns/NAME`. */
  netns: netnsName(),
}));

/** Create a named network namespace: `ip netns add NAME` (ip-netns(8)). */
export type NetnsAddStep = Infer<typeof netnsAddSchema>;

/** How long undo waits for processes in a netns to exit after SIGTERM, in ms. */
export const NETNS_TERM_GRACE_MS = 2000;

/** How long undo keeps killing what is left in a netns (SIGSTOP, then SIGKILL, round after round), in ms. */
export const NETNS_KILL_BOUND_MS = 5000;

/**
 * `netns-add`: `ip netns add NAME` creates `/run/netns/NAME`, a bind mount of
 * a new network namespace (ip-netns(8)). `ip netns del` only drops the name:
 * a process inside would keep the namespace, and its veth, alive, unnamed
 * and out of reach. So undo first empties it: SIGTERM to every process inside
 * (`ip netns pids`), a grace of {@link NETNS_TERM_GRACE_MS}; then, round after
 * round until `ip netns pids` lists none (at most {@link NETNS_KILL_BOUND_MS}),
 * SIGSTOP to all it lists, again until no new one appears (a stopped process
 * cannot fork, so a process that ignores SIGTERM and keeps forking is caught
 * whole), then SIGKILL to all of them (signal(7): neither can be caught or
 * ignored). Every process ended is named (pid and command line). A namespace
 * that cannot be emptied is not deleted: the inverse fails, naming what is
 * left. Undo deletes it in one `ip -batch` with the links it deletes just
 * before (ip-netns(8) `netns del` is a batch line), once it is emptied.
 */
export const netnsAdd: StepKind<NetnsAddStep> = {
  schema: netnsAddSchema,
  summary: (s) => `create network namespace '${s.netns}'`,
  object: (s) => objectId("netns", s.netns),
  removes: true,
  commands: (s) => [["ip", "netns", "add", s.netns]],
  verify(s, ctx) {
    const state = ctx.ip.netnsEntryState(s.netns);
    return Promise.resolve(
      state === "absent"
        ? `'${s.netns}' is not in 'ip netns list'`
        : state === "live"
        ? undefined
        : `${NETNS_RUN_DIR}/${s.netns} is not a namespace mount`,
    );
  },
  isReverted: (s, ctx) => Promise.resolve(ctx.ip.netnsEntryState(s.netns) === "absent"),
  beforeInverse: (s, ctx) => emptyNetns(s.netns, ctx),
  inverse: (s) => [["ip", "netns", "del", s.netns]],
  async revert(s, ctx) {
    await emptyNetns(s.netns, ctx);
    await ctx.run(["ip", "netns", "del", s.netns]);
  },
  async preview(s, ctx) {
    const pids = netnsEntryState(s.netns) === "absent" ? [] : await ctx.ip.netnsPids(s.netns);
    return [
      ...(pids.length === 0 ? [] : [
        `ends ${processList(await commandLines(ctx, pids))} still in '${s.netns}' (SIGTERM; after ${
          NETNS_TERM_GRACE_MS / 1000
        } s, SIGSTOP and SIGKILL)`,
      ]),
    ];
  },
};

/**
 * Ends every process inside a named netns (see {@link netnsAdd}).
 * @param netns The namespace name.
 * @param ctx The step context (its `log` is told what was ended).
 * @throws {CommandError} When processes are still inside after
 *   {@link NETNS_KILL_BOUND_MS} of SIGKILL rounds.
 */
async function emptyNetns(netns: string, ctx: StepContext): Promise<void> {
  let pids = await ctx.ip.netnsPids(netns);
  if (pids.length === 0) return;
  ctx.log?.(`Ending ${processList(await commandLines(ctx, pids))} still in '${netns}' (SIGTERM)`);
  await signal(ctx, "TERM", pids);
  const graceEnd = Date.now() + NETNS_TERM_GRACE_MS;
  while ((pids = await ctx.ip.netnsPids(netns)).length > 0 && Date.now() < graceEnd) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const bound = Date.now() + NETNS_KILL_BOUND_MS;
  while (pids.length > 0 && Date.now() < bound) {
    // Stop everything listed, and whatever was forked meanwhile, until the list holds still.
    const stopped = new Set<number>();
    for (let fresh = pids; fresh.length > 0 && Date.now() < bound;) {
      await signal(ctx, "STOP", fresh);
      fresh.forEach((p) => stopped.add(p));
      fresh = (await ctx.ip.netnsPids(netns)).filter((p) => !stopped.has(p));
    }
    const procs = await commandLines(ctx, [...stopped]);
    await signal(ctx, "KILL", [...stopped]);
    ctx.log?.(`${processList(procs)} in '${netns}' did not exit after SIGTERM: killed (SIGKILL)`);
    const gone = Date.now() + 1000;
    while ((pids = await ctx.ip.netnsPids(netns)).some((p) => stopped.has(p)) && Date.now() < gone) {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  if (pids.length > 0) {
    throw new CommandError(
      ["ip", "netns", "pids", netns],
      1,
      `${processList(await commandLines(ctx, pids))} still inside after ${NETNS_KILL_BOUND_MS} ms of SIGKILL; ` +
        `the namespace is not deleted`,
      `Find and end them ('ip netns pids ${netns}'), then run 'nsrecipe undo' again.`,
    );
  }
}

/** Sends a signal to processes with kill(1); one that exited meanwhile is no error. */
async function signal(ctx: StepContext, sig: "TERM" | "STOP" | "KILL", pids: readonly number[]): Promise<void> {
  if (pids.length > 0) await ctx.run(["kill", `-${sig}`, ...pids.map(String)], { okCodes: [0, 1] });
}

/** How many processes a message names one by one; the rest are counted. */
const NAMED_MAX = 20;

/**
 * The command line of each process (the first {@link NAMED_MAX}), read from
 * `/proc/PID/cmdline` (proc(5): arguments separated by NUL) with `cat`; a
 * process that has exited meanwhile reads as `?`.
 * @param ctx The step context.
 * @param pids Process ids (host PID namespace).
 * @returns `[pid, "sleep 1000"]` pairs, in the given order, and how many processes there are in all.
 */
async function commandLines(ctx: StepContext, pids: readonly number[]): Promise<Processes> {
  const out: [number, string][] = [];
  for (const pid of pids.slice(0, NAMED_MAX)) {
    const r = await ctx.run(["cat", `/proc/${pid}/cmdline`], { okCodes: [0, 1] });
    const line = r.code === 0 ? r.stdout.split("\0").filter((w) => w !== "").join(" ") : "";
    out.push([pid, line.length > 60 ? `${line.slice(0, 59)}…` : line || "?"]);
  }
  return { named: out, total: pids.length };
}

/** Processes for a message: some named (`[pid, command line]`), and the count of all. */
export interface Processes {
  /** `[pid, command line]` of the first ones, e.g. `[1234, "sleep 1000"]`. */
  named: readonly [number, string][];
  /** How many processes there are in all (at least `named.length`). */
  total: number;
}

/**
 * Names processes for the admin.
 * @param procs The processes.
 * @returns e.g. `2 processes: 1234 (sleep 1000), 1240 (bash)`, or `… and 180 more`.
 */
export function processList(procs: Processes): string {
  const names = procs.named.map(([pid, cmd]) => `${pid} (${sanitize(cmd)})`).join(", ");
  const more = procs.total - procs.named.length;
  return `${procs.total} ${procs.total === 1 ? "process" : "processes"}: ${names}${
    more > 0 ? ` and ${more} more` : ""
  }`;
}
