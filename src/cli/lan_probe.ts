/**
 * Probing a plan's LAN addresses before the first step (issue 9 case 9): the
 * effectful half of `Plan.probes`. Each address the plan would use on a LAN
 * is probed with ARP (RFC 5227, `src/host/arp_probe.ts`); one the user gave
 * that another host holds is refused, naming that host's MAC; one the plan
 * picked is added to the facts as in use, and the recipe plans again, so it
 * picks the next free address. Planning stays pure: it only reads the facts.
 *
 * @module
 */
import type { Plan } from "../../recipes/mod.ts";
import { PreconditionError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { arpProbe, type HostFacts } from "../host/mod.ts";
import { quote } from "../quote.ts";
import { assertPrograms } from "./programs.ts";

/** How many times a plan is made again around picked addresses found in use, before giving up. */
export const MAX_PROBE_ROUNDS = 8;

/**
 * Plans, probes the plan's LAN addresses, and plans again around picked
 * addresses that turn out to be in use.
 *
 * @param planFor The recipe's planner for the given parameters (pure).
 * @param facts The host's facts.
 * @param run The process seam (runs `arping`).
 * @param log Progress lines, e.g. "Address … is in use on the LAN …; picking another".
 * @returns A plan whose probed addresses are all free.
 * @throws {PreconditionError} When an address given by an option is held by
 *   another host (naming its MAC), when {@link MAX_PROBE_ROUNDS} picked
 *   addresses in a row are held, or when `arping` is missing.
 * @throws {CommandError} When `arping` fails (e.g. the link is down).
 */
export async function planProbed(
  planFor: (facts: HostFacts) => Plan,
  facts: HostFacts,
  run: Runner,
  log: (line: string) => void,
): Promise<Plan> {
  let current = facts;
  for (let round = 0; round < MAX_PROBE_ROUNDS; round++) {
    const plan = planFor(current);
    const probes = plan.probes ?? [];
    if (probes.length === 0) return plan;
    if (round === 0) await assertPrograms(run, ["arping"]);
    const held: string[] = [];
    for (const probe of probes) {
      const found = await arpProbe(run, probe.dev, probe.address);
      if (!found.inUse) continue;
      if (probe.option) {
        throw new PreconditionError(
          `${probe.option} ${probe.address} is already used on the LAN of ${quote(probe.dev)}: MAC ${found.mac} ` +
            "answered an ARP probe for it (RFC 5227); nothing was changed",
          "Choose a free address on the LAN, or leave the option out to get one.",
        );
      }
      log(`Address ${probe.address} is in use on the LAN of ${quote(probe.dev)} (MAC ${found.mac}); picking another.`);
      held.push(probe.address);
    }
    if (held.length === 0) return plan;
    current = { ...current, inUseOnLan: [...(current.inUseOnLan ?? []), ...held] };
  }
  throw new PreconditionError(
    `${MAX_PROBE_ROUNDS} addresses in a row are in use on the LAN (${
      current.inUseOnLan?.join(", ")
    }); nothing was changed`,
    "Pass --address with an address you know is free.",
  );
}
