/**
 * The rehearsal itself, run inside a lab that copies the host's uplink:
 * snapshot, measure connectivity while the recipe runs, check that the lab
 * host and the namespace reach their gateways, undo, compare snapshots.
 *
 * @module
 */
import type { Processes, Runner } from "../exec/mod.ts";
import { defaultRoute, diffSnapshots, IpReader, takeSnapshot, waitSettled } from "../host/mod.ts";
import { type Outage, parsePingOutage } from "./outage.ts";
import { LAB_NETNS } from "../lab/defaults.ts";

/** One check of a rehearsal. */
export interface RehearsalCheck {
  /** What was checked, e.g. `the host is exactly as before`. */
  name: string;
  /** Whether the check passed. */
  ok: boolean;
  /** Evidence: the ping target, the recipe's message or the snapshot differences; may be `""`. */
  detail: string;
}

/** The verdict of a rehearsal. */
export interface Verdict {
  /** `true` when every check passed. */
  pass: boolean;
  /** Every check, in the order made. */
  checks: RehearsalCheck[];
  /** Connectivity from the lab host to the gateway while the recipe ran. */
  outage?: Outage;
  /** The same while its undo ran (the switch back); absent when the recipe did not apply. */
  undoOutage?: Outage;
  /**
   * The signal (e.g. `SIGINT`) that interrupted the run, which rolled back: no verdict on the recipe
   * (`pass` is then false, and no check says whether it applies).
   */
  interrupted?: string;
}

/** Interval of the outage ping in ms (ping(8) `-i 0.01`; root may go below 0.2 s). */
export const OUTAGE_PING_INTERVAL_MS = 10;

/** How long an IPv6 check waits for the addresses to settle (RFC 4862 duplicate address detection), in ms. */
const SETTLE_MS = 5000;

/** What the rehearsal drives: the recipe's run and undo, done in this same process. */
export interface RehearsalActions {
  /**
   * Applies the recipe (no shell); returns the exit code and the netns name it made, if any.
   * @param probePids The rehearsal's own probes running meanwhile (the outage `ping`), not the host's processes.
   */
  run(probePids: readonly number[]): Promise<{ code: number; netns?: string; message: string; interrupted?: string }>;
  /** Undoes that run; returns the exit code. */
  undo(): Promise<{ code: number; message: string }>;
}

async function pings(run: Runner, target: string, netns?: string): Promise<boolean> {
  const argv = [...(netns ? ["ip", "netns", "exec", netns] : []), "ping", "-c", "1", "-W", "1", target];
  return (await run(argv, { okCodes: [0, 1, 2] })).code === 0;
}

/**
 * Whether the IPv6 default route of the lab host (or of a namespace) works:
 * its gateway answers a ping sent out of the route's own device (`ping -I
 * DEV`, which also scopes a link-local gateway, ping(8)). A default route
 * left on a link that became a bridge port fails here, as it would for real
 * (neighbour discovery never completes there).
 * @param run The runner.
 * @param netns A named netns, or `undefined` for the lab host.
 * @returns `undefined` when there is no IPv6 default route via a gateway; else whether it works, and its route.
 */
async function ipv6DefaultWorks(run: Runner, netns?: string): Promise<{ ok: boolean; detail: string } | undefined> {
  const ip = new IpReader(run);
  const route = defaultRoute(await ip.routes(6, netns));
  if (!route?.gateway || !route.dev) return undefined;
  // A new namespace's addresses (its link-local one included) are usable once duplicate address detection is done.
  const unsettled = await waitSettled(ip, SETTLE_MS, netns);
  if (unsettled.length > 0) return { ok: false, detail: `addresses not settled: ${unsettled.join(", ")}` };
  const argv = [...(netns ? ["ip", "netns", "exec", netns] : []), "ping", "-6", "-c", "1", "-W", "1"];
  const ok = (await run([...argv, "-I", route.dev, route.gateway], { okCodes: [0, 1, 2] })).code === 0;
  return { ok, detail: `${netns ? `${netns} -> ` : ""}${route.gateway} dev ${route.dev}` };
}

/**
 * The lab host's address towards the gateway: the `prefsrc` of
 * `ip -4 -json route get GATEWAY` (ip-route(8)), i.e. the uplink's address
 * the LAN reaches the host at.
 * @param run The process seam.
 * @param gateway The LAN gateway.
 * @returns The address, or `undefined` when the route has none.
 */
async function hostAddressTowards(run: Runner, gateway: string): Promise<string | undefined> {
  const r = await run(["ip", "-4", "-json", "route", "get", gateway], { okCodes: [0, 1, 2] });
  if (r.code !== 0) return undefined;
  const routes = JSON.parse(r.stdout) as { prefsrc?: string }[];
  return routes[0]?.prefsrc;
}

/**
 * Rehearses a recipe in the current (lab) network namespace.
 *
 * The gateway is pinged every {@link OUTAGE_PING_INTERVAL_MS} ms while the
 * recipe applies and again while it is undone: each switch of the uplink
 * (to the bridge, and back) is an outage of its own.
 *
 * When the lab host has an IPv6 default route, its gateway is also pinged
 * through that route's device before, during (host and namespace) and after.
 * The other direction too (X11): the lab's other LAN host
 * (`LAB_NETNS.lanHost`) pings the lab host's address towards the gateway
 * before the run and once it is applied, since what cuts a migrated host off
 * (a bridge-family input chain, a host that stops answering) may leave its own
 * pings to the gateway answered.
 * @param procs The process seam (captured commands and the background `ping`).
 * @param gateway The LAN gateway the lab host must keep reaching.
 * @param actions Run and undo of the recipe.
 * @returns The verdict; never throws for a failed check.
 */
export async function rehearse(procs: Processes, gateway: string, actions: RehearsalActions): Promise<Verdict> {
  const { run } = procs;
  const checks: RehearsalCheck[] = [];
  const check = (name: string, ok: boolean, detail = "") => checks.push({ name, ok, detail });
  check("lab host reaches the gateway before the run", await pings(run, gateway), gateway);
  const v6 = async (name: string, netns?: string) => {
    const r = await ipv6DefaultWorks(run, netns);
    if (r) check(name, r.ok, r.detail);
    return r !== undefined;
  };
  const hasV6 = await v6("lab host reaches its IPv6 gateway before the run");
  const hostAddress = await hostAddressTowards(run, gateway);
  const lanReaches = async (name: string) => {
    if (!hostAddress) return check(name, false, `no address of the lab host towards ${gateway}`);
    check(name, await pings(run, hostAddress, LAB_NETNS.lanHost), `${LAB_NETNS.lanHost} -> ${hostAddress}`);
  };
  await lanReaches("the LAN reaches the lab host before the run");
  const before = await takeSnapshot(run);
  const measured = async <T>(action: (probePids: readonly number[]) => Promise<T>): Promise<[T, Outage]> => {
    const argv = ["ping", "-D", "-n", "-i", String(OUTAGE_PING_INTERVAL_MS / 1000), "-W", "1", gateway];
    const ping = procs.background(argv);
    const result = await action([ping.pid]);
    return [result, parsePingOutage((await ping.stop()).stdout, OUTAGE_PING_INTERVAL_MS)];
  };
  const [applied, outage] = await measured((probePids) => actions.run(probePids));
  let undoOutage: Outage | undefined;
  if (!applied.interrupted) check("the recipe applies", applied.code === 0, applied.message);
  if (applied.code === 0) {
    check("lab host still reaches the gateway", await pings(run, gateway), gateway);
    await lanReaches("the LAN still reaches the lab host");
    if (hasV6 && !(await v6("lab host still reaches its IPv6 gateway through its default route"))) {
      check("lab host still has an IPv6 default route", false, "none after the run");
    }
    if (applied.netns) {
      const ip = new IpReader(run);
      const routes = await ip.routes(4, applied.netns);
      const gw = routes.find((r) => r.dst === "default")?.gateway;
      if (gw) {
        check("the namespace reaches its gateway", await pings(run, gw, applied.netns), `${applied.netns} -> ${gw}`);
      }
      await v6("the namespace reaches its IPv6 gateway", applied.netns);
    }
    const [undone, during] = await measured(() => actions.undo());
    undoOutage = during;
    check("undo succeeds", undone.code === 0, undone.message);
  }
  const diff = diffSnapshots(before, await takeSnapshot(run));
  check("the host is exactly as before", diff.length === 0, diff.join("; "));
  check("lab host reaches the gateway after undo", await pings(run, gateway), gateway);
  if (hasV6) await v6("lab host reaches its IPv6 gateway after undo");
  return {
    pass: !applied.interrupted && checks.every((c) => c.ok),
    checks,
    outage,
    ...(undoOutage ? { undoOutage } : {}),
    ...(applied.interrupted ? { interrupted: applied.interrupted } : {}),
  };
}
