/**
 * What a recipe is: a name, a parameter schema, what it needs of the host
 * and touches, and a pure planner.
 *
 * @module
 */
import type { z } from "zod/mini";
import type { HostNeeds } from "../src/doctor/mod.ts";
import type { HostFacts } from "../src/host/mod.ts";
import type { ObjectId, Step } from "../src/steps/mod.ts";

/** An address a plan would use on a LAN, to be probed before use (see `Plan.probes`). */
export interface AddressProbe {
  /** The link that carries the LAN (a bridge with the uplink, or the uplink), e.g. `br0`. */
  dev: string;
  /** The IPv4 address, e.g. `198.51.100.2`. */
  address: string;
  /** The option that gave it (e.g. `--address`), or absent when the plan picked it. */
  option?: string;
}

/** What `run` plans to do. */
export interface Plan {
  /** Name for `undo NAME` (the netns name, or the recipe name). */
  label: string;
  /** Reversible steps, in order. */
  steps: Step[];
  /**
   * Indexes of steps whose effect must still hold once every step is done:
   * the engine verifies them again then, against one read of the host, and
   * rolls the run back when one no longer holds (full-migrate: what the
   * uplink carried to the bridge, which later steps of the switch could take
   * away). Absent: none.
   */
  recheck?: number[];
  /** Objects the plan relies on but does not create (e.g. `link:br0`). */
  uses: ObjectId[];
  /**
   * Objects the plan creates that later runs may share, e.g. `link:br0`: when
   * this run is undone while a later run uses them, their steps pass to that
   * run instead. Any other object a later run uses blocks this run's undo.
   */
  handover: ObjectId[];
  /**
   * The argv prefix that runs a command inside the new namespaces, e.g.
   * `["ip", "netns", "exec", "web", "unshare", …, "--"]`; the shell or
   * `-- CMD` is appended.
   */
  enter: string[];
  /** Warnings and notes for the admin, one sentence each. */
  notes: string[];
  /**
   * IPv4 addresses the plan would use on a LAN, to be probed there (ARP,
   * RFC 5227) before the first step: `run` refuses a conflicting address
   * given by the user, and plans again around one the plan picked.
   */
  probes?: AddressProbe[];
}

/**
 * What a run touches, read from its parsed parameters: the names doctor's
 * checks judge before the run, the uplink they look at, and the netns
 * `rehearse` reports on. The CLI reads a recipe's parameters only through it.
 */
export interface RunTargets {
  /** The named netns the run creates (`--name`), e.g. `web`; absent for none. */
  netns?: string;
  /** The bridge given with `--bridge`; absent when not given (the recipe's default, if any, applies). */
  bridge?: string;
  /** The uplink given with `--uplink`; absent: the device of the default route, if the recipe uses one. */
  uplink?: string;
  /** `--force` given (full-migrate accepts DHCP-managed addresses; a run accepts a forward drop that defeats it). */
  force?: boolean;
  /** The run routes the namespace's traffic out of the bridge (veth-bridge `--nat`). */
  routes?: boolean;
}

/**
 * The zod object schema of a recipe's parameters: zod's `z.ZodObject` with
 * any shape. Each key becomes an option `--kebab-case`.
 */
export type ParamsSchema = z.ZodMiniObject;

/**
 * The parsed parameters of schema `S`, what `plan()` receives. This is zod's
 * `z.output<S>` spelled out as zod 4 defines it, so that the documented API
 * names no zod-internal type.
 *
 * @typeParam S The parameter schema.
 */
export type ParamsOf<S extends ParamsSchema> = S extends { _zod: { output: any } } ? S["_zod"]["output"] : unknown;

/**
 * A named recipe.
 *
 * @typeParam S The zod object schema of its parameters.
 */
export interface Recipe<S extends ParamsSchema = ParamsSchema> {
  /** Name on the command line, e.g. `veth-bridge`. */
  name: string;
  /** One line for `list`. */
  summary: string;
  /** A paragraph for `show`: what it builds, the manual commands it replaces. */
  description: string;
  /**
   * Confirmation window in seconds that `run` applies by default when stdin
   * is a TTY or not (full-migrate: 120); absent for none. `--confirm S` and
   * `--no-confirm` override it.
   */
  confirmSeconds?: number;
  /**
   * `true` for a recipe whose plans never have a step (`pid-only`): nothing
   * on the host to confirm or undo, so `run` refuses its `--rm`,
   * `--confirm` and `--no-confirm` (`src/cli/run_rules.ts`), and its help,
   * manual page and completion leave them out.
   */
  stepless?: true;
  /**
   * Options for the example `show` prints (`nsrecipe plan NAME …`): every
   * required option with a typical value, e.g. `["--address", "198.51.100.50/24"]`;
   * absent when none is required. A test plans each example in a lab.
   */
  example?: readonly string[];
  /** Parameters: each key becomes `--kebab-case`, with the field's description and default. */
  params: S;
  /** What it needs of the host: the doctor checks `run` runs before planning, and how strictly. */
  needs: HostNeeds;
  /**
   * What a run with these parameters touches. **Pure**.
   * @param params Parsed parameters.
   * @returns The targets.
   */
  targets(params: ParamsOf<S>): RunTargets;
  /**
   * Plans the steps. **Pure**: reads only its arguments.
   * @param params Parsed parameters.
   * @param facts The host as it is now.
   * @returns The plan.
   * @throws {PreconditionError} When the host is not fit (name taken, stale netns file).
   * @throws {UsageError} When parameters contradict each other or the host.
   */
  plan(params: ParamsOf<S>, facts: HostFacts): Plan;
}

/**
 * The end of a plan note for a refusal that `--force` waived
 * (`PreconditionError.waivedByForce`), e.g. "Firewall rules match on
 * 'eth0', …: nft rule …. Going ahead (--force)."; `plan` without `--force`
 * words it as what `run` would refuse instead.
 */
export const GOING_AHEAD = "Going ahead (--force).";
