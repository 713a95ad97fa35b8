/**
 * The vocabulary of reversible steps. A {@link Step} is plain data (it is
 * written to the journal as is); its behaviour lives in a {@link StepKind}
 * looked up by `kind` in the registry (`registry.ts`).
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import type { IpReader } from "../host/mod.ts";
import type { AddrSpec, RouteSpec } from "./specs.ts";

/** Create a named network namespace: `ip netns add NAME` (ip-netns(8)). */
export interface NetnsAddStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "netns-add";
  /** Name of the new netns, i.e. the entry `/run/netns/NAME`. */
  netns: string;
}

/** Bring a link up: `ip [-n NS] link set dev DEV up` (ip-link(8)). */
export interface LinkSetUpStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "link-set-up";
  /** Link name, e.g. `eth0`. */
  dev: string;
  /** Named netns holding the link; absent for the host's own. */
  netns?: string;
  /**
   * Also wait (bounded) until the link has carrier (`LOWER_UP`), e.g. a veth
   * end whose peer is up, so the run reports success only once traffic flows.
   */
  waitCarrier?: boolean;
}

/** Create a veth pair: `ip link add dev DEV [mtu M] type veth peer name PEER [mtu M]` (veth(4)). */
export interface VethAddStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "veth-add";
  /** Host-side end. */
  dev: string;
  /** The other end, moved into a netns by a later step. */
  peer: string;
  /** MTU in bytes for both ends; kernel default (1500) when absent. */
  mtu?: number;
}

/**
 * Move a link into a named netns and rename it there in one netlink request:
 * `ip link set dev DEV netns NS name NEWNAME` (ip-link(8)).
 */
export interface LinkSetNetnsStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "link-set-netns";
  /** The link's name in the host's network namespace, e.g. `veth-web-ns`. */
  dev: string;
  /** Name of the named netns to move it into. */
  netns: string;
  /** Its name inside the netns, e.g. `eth0`. */
  newName: string;
}

/**
 * Create a bridge with STP off: `ip link add dev BR [address MAC] [mtu M] type
 * bridge stp_state 0` (ip-link(8), Documentation/networking/bridge.rst).
 */
export interface BridgeAddStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "bridge-add";
  /** Name of the new bridge, e.g. `br0`. */
  dev: string;
  /** Fixed MAC like `02:00:5e:10:00:01`, so the bridge does not take the lowest port MAC. */
  mac?: string;
  /** MTU in bytes. */
  mtu?: number;
}

/** Enslave a link to a bridge: `ip link set dev DEV master BR` (ip-link(8)). */
export interface LinkSetMasterStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "link-set-master";
  /** The link to enslave, in the host's network namespace. */
  dev: string;
  /** The bridge's name, e.g. `br0`. */
  master: string;
}

/** Add an address: `ip [-n NS] addr add …` (ip-address(8)). */
export interface AddrAddStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "addr-add";
  /** Link name, e.g. `eth0`. */
  dev: string;
  /** Named netns holding the link; absent for the host's own. */
  netns?: string;
  /** The address with its attributes. */
  addr: AddrSpec;
}

/**
 * Delete an address. The full address (every attribute) is captured before
 * the deletion and re-added by the inverse.
 */
export interface AddrDelStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "addr-del";
  /** Link name in the host's network namespace. */
  dev: string;
  /** The address to delete, identified by `family`, `local` and `prefixlen`; its other attributes are captured. */
  addr: AddrSpec;
}

/** Add a route: `ip [-n NS] -4|-6 route add …` (ip-route(8)). */
export interface RouteAddStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "route-add";
  /** Named netns to add the route in; absent for the host's own. */
  netns?: string;
  /** The route with its attributes. */
  route: RouteSpec;
}

/**
 * Delete a route. The full route (metric, proto, src, table, flags) is
 * captured before the deletion and re-added by the inverse.
 */
export interface RouteDelStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "route-del";
  /**
   * The route to delete, in the host's network namespace, identified by
   * `dst`, `dev`, `via`, `metric`, `table` and `type` (unset ones match
   * anything); its other attributes are captured.
   */
  route: RouteSpec;
}

/** Set a sysctl under `/proc/sys` (sysctl(8)); the old value is captured. */
export interface SysctlSetStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "sysctl-set";
  /** Dotted key, e.g. `net.ipv4.ip_forward`. */
  key: string;
  /** The value to write, e.g. `"1"`. */
  value: string;
}

/**
 * Create an nftables table that nsrecipe owns (nft(8)): masquerade for a
 * namespace subnet leaving through the uplink, and forward accepts for it.
 * Undo deletes the whole table, nothing else.
 */
export interface NatAddStep {
  /** Step tag: the discriminant of {@link Step}, and the key of its {@link StepKind} in the registry. */
  kind: "nat-add";
  /** Table name in the `inet` family, e.g. `nsrecipe-web`. */
  table: string;
  /** The namespace subnet, IPv4 CIDR with host bits clear like `10.200.0.0/24`. */
  subnet: string;
  /** Name of the bridge the namespace sits on, e.g. `br0`. */
  bridge: string;
  /** Name of the uplink the traffic leaves through, e.g. `eth0`. */
  uplink: string;
}

/** Any step. Switches over `kind` end in a `never` check. */
export type Step =
  | NetnsAddStep
  | LinkSetUpStep
  | VethAddStep
  | LinkSetNetnsStep
  | BridgeAddStep
  | LinkSetMasterStep
  | AddrAddStep
  | AddrDelStep
  | RouteAddStep
  | RouteDelStep
  | SysctlSetStep
  | NatAddStep;

/** JSON-serialisable prior state captured by a destructive step before it runs. */
export type Captured = unknown;

/** What steps may use while applying, verifying and reverting. */
export interface StepContext {
  /** The process seam. */
  run: Runner;
  /** Reader of `ip -json` state. */
  ip: IpReader;
  /**
   * Path naming the host's network namespace for moves back out of a named
   * one, e.g. `/proc/1234/ns/net` (ip-link(8) `netns NETNSFILE`).
   */
  hostNetnsPath: string;
}

/**
 * The behaviour of one kind of step.
 *
 * @typeParam S The step's data type.
 */
export interface StepKind<S extends Step> {
  /** One line for humans, e.g. `create network namespace 'web'`. */
  summary(step: S): string;
  /**
   * The object the step creates or changes, e.g. `netns:web` or `link:br0`.
   * Used for ownership: a run that relies on an object another run owns
   * names it in its `uses`, and undo hands such steps over instead of
   * reverting them.
   */
  object(step: S): string;
  /** The exact commands the step runs, in order (what `plan` prints). */
  commands(step: S): string[][];
  /**
   * Reads the full prior state that the inverse needs, before the step runs;
   * stored in the write-ahead journal record.
   */
  capture?(step: S, ctx: StepContext): Promise<Captured>;
  /**
   * Performs the step; default: runs {@link StepKind.commands} in order.
   * @throws {CommandError} When a command fails.
   */
  apply?(step: S, ctx: StepContext): Promise<void>;
  /**
   * Checks the effect took place.
   * @returns `undefined` when it did, else what is wrong.
   */
  verify(step: S, ctx: StepContext): Promise<string | undefined>;
  /** Whether the effect is already gone (so undo has nothing to do). */
  isReverted(step: S, ctx: StepContext, captured: Captured): Promise<boolean>;
  /**
   * Reverts the effect.
   * @throws {CommandError} When an inverse command fails.
   */
  revert(step: S, ctx: StepContext, captured: Captured): Promise<void>;
}
