/**
 * A veth pair whose peer is in a netns the same undo deletes goes with that
 * netns (`StepKind.peerNetns`): deleting either end of a veth deletes the
 * pair (veth(4)), and the kernel deletes the links of a network namespace it
 * destroys. `ip netns del NAME` removes only the name, the bind mount
 * `/run/netns/NAME` (ip-netns(8)): the namespace is destroyed when nothing
 * else holds it (a bind mount elsewhere, an open file, a process), and then
 * asynchronously, in the kernel's netns workqueue (`cleanup_net`), a moment
 * after `ip` returned. So undo leaves the host end's deletion out of the
 * batch that deletes the netns only when that batch deletes it
 * ({@link peerDeferrals}), and afterwards makes sure the host end is gone:
 * it looks for it, bounded ({@link awaitGone}), by the identity the run
 * recorded ({@link lookHostEnd}: renamed meanwhile by someone else, it is
 * still there), and deletes it itself when it is still there. The step is
 * recorded only then, gone either way.
 *
 * @module
 */
import { type Identity, type IpReader, locate } from "../host/mod.ts";
import { madeObject, objectId, type Step } from "../steps/mod.ts";

/**
 * How long undo looks for the host end of a veth to go once the netns holding
 * its peer was deleted, in ms, before it deletes it itself. The kernel's
 * cleanup of a namespace takes a few ms on an idle host (the host end was gone
 * ~2 ms after the batch returned, in a lab); it waits behind the cleanup of
 * every other namespace on the host (one workqueue for all), so the bound is
 * generous: reaching it costs time, not exactness (the host end is then
 * deleted as before).
 */
export const PEER_GONE_BOUND_MS = 2000;

/** The longest pause between two looks at the host end, in ms; they start at 1 ms and double. */
export const PEER_POLL_MAX_MS = 100;

/**
 * Which steps of one batch of inverses go with a netns that a later step of
 * the same batch deletes, so that their own inverse is left out of it (pure):
 * a step marked with the netns its object's other end is in
 * (`RevertItem.peerNetns`, set by `subsume` in `undo.ts`), and a later step of
 * the batch whose kind `removes` that netns.
 * @param batch The steps whose inverses the batch is about to run, in order,
 *   each with its `peerNetns` when it has one.
 * @returns For each such step's position in `batch`, the position of the step that deletes its netns.
 * @example
 * ```ts
 * import { peerDeferrals } from "./peer_netns.ts";
 * import type { Step } from "../steps/mod.ts";
 * const veth = { kind: "veth-add", dev: "veth-web", peer: "p-1" } as Step;
 * const netns = { kind: "netns-add", netns: "web" } as Step;
 * peerDeferrals([{ step: veth, peerNetns: "netns:web" }, { step: netns }]); // Map { 0 => 1 }
 * ```
 */
export function peerDeferrals(batch: readonly { step: Step; peerNetns?: string }[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const [i, b] of batch.entries()) {
    if (b.peerNetns === undefined) continue;
    const j = batch.findIndex((later, j) => j > i && madeObject(later.step) === b.peerNetns);
    if (j >= 0) out.set(i, j);
  }
  return out;
}

/** What one look at a veth's host end found ({@link lookHostEnd}): gone, or there under `name`. */
export type HostEnd = { gone: true } | { gone: false; name: string };

/**
 * One look at the host end of a veth whose peer's netns was just deleted:
 * whether the link the run made is gone from the host, judged by the
 * identity the run recorded (`locate`): there under its name; there under
 * another name (renamed by someone else meanwhile: found by its ifindex in
 * the whole list, read only when the name no longer names it); or gone (no
 * link has the name, or another link does, which is not nsrecipe's, and
 * none has the recorded ifindex). Without a recorded identity (a journal of
 * an earlier version), by name alone.
 * @param ip Reader of the host's links (`ip -json -details link show [dev NAME]`).
 * @param name The name the link had at the last look, e.g. `veth-web`.
 * @param recorded The identity the run recorded for it, when it has one.
 * @returns `{ gone: true }`, or `{ gone: false, name }` with its name now.
 * @throws {CommandError} When `ip` cannot read the host's links.
 * @example
 * ```ts ignore
 * const end = await lookHostEnd(new IpReader(run), "veth-web", { type: "link", ifindex: 7 });
 * if (!end.gone) console.log(`still there as '${end.name}'`);
 * ```
 */
export async function lookHostEnd(ip: IpReader, name: string, recorded?: Identity): Promise<HostEnd> {
  if (recorded === undefined) return (await ip.link(name)) ? { gone: false, name } : { gone: true };
  const key = objectId("link", name);
  const where = (await locate(ip, [key], { [key]: recorded })).get(key);
  if (where?.state === "same") return { gone: false, name };
  if (where?.state === "renamed") return { gone: false, name: where.name };
  return { gone: true };
}

/** What {@link awaitGone} found. */
export interface GoneWait {
  /** Whether the condition held before the bound. */
  gone: boolean;
  /** How many times it was asked. */
  looks: number;
  /** Time from the first look to the answer, in ms. */
  waitedMs: number;
}

/**
 * Asks `gone` until it says `true` or `boundMs` have passed: at once, then
 * after pauses of 1, 2, 4 … ms (at most {@link PEER_POLL_MAX_MS}), the last
 * pause cut to end at the bound, and once more at the bound.
 * @param gone One look (e.g. one `ip link show dev DEV`).
 * @param boundMs The bound, in ms.
 * @param clock The time in ms and a pause (tests pass a fake one).
 * @returns Whether it went, how many looks it took and how long.
 * @throws What `gone` throws.
 * @example
 * ```ts ignore
 * const wait = await awaitGone(async () => !(await ip.link("veth-web")));
 * if (!wait.gone) console.log(`still there after ${wait.waitedMs} ms`);
 * ```
 */
export async function awaitGone(
  gone: () => Promise<boolean>,
  boundMs: number = PEER_GONE_BOUND_MS,
  clock: { now(): number; sleep(ms: number): Promise<void> } = {
    now: () => performance.now(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  },
): Promise<GoneWait> {
  const start = clock.now();
  let looks = 0;
  for (let pause = 1;; pause = Math.min(pause * 2, PEER_POLL_MAX_MS)) {
    looks++;
    if (await gone()) return { gone: true, looks, waitedMs: clock.now() - start };
    const left = start + boundMs - clock.now();
    if (left <= 0) return { gone: false, looks, waitedMs: clock.now() - start };
    await clock.sleep(Math.min(pause, left));
  }
}
