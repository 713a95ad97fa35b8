import { z } from "../src/zod.ts";
import { PreconditionError } from "../src/errors.ts";
import type { HostFacts } from "../src/host/mod.ts";
import { netnsTakenHint } from "../src/host/netns_taken.ts";
import { checkNetnsName } from "../src/names.ts";
import { quote } from "../src/quote.ts";
import type { Step } from "../src/steps/mod.ts";
import { netnsEnter } from "./enter.ts";
import { issueText } from "./fields.ts";
import type { Plan, Recipe } from "./types.ts";

/** Default network namespace name. */
export const DEFAULT_NETNS = "nsr0";

/**
 * The zod field for a netns name, checked by `checkNetnsName`.
 * @param fallback Default name.
 * @returns A zod string schema with default and description.
 */
export function netnsNameField(fallback = DEFAULT_NETNS) {
  return z._default(z.string(), fallback).check(
    z.describe(`name of the network namespace (default '${fallback}')`),
    z.meta({
      placeholder: "name",
    }),
    z.superRefine(
      (v, ctx) => {
        try {
          checkNetnsName(v);
        } catch (e) {
          ctx.addIssue({ code: "custom", message: issueText(e) });
        }
      },
    ),
  );
}

const params = z.object({ name: netnsNameField() });

/**
 * Refuses a netns name that is taken, telling a live namespace from a stale
 * `/run/netns` entry (a plain file left by a crash: `ip netns exec` on it fails,
 * and a careless tool would run its shell in the host's namespace).
 *
 * @param name The netns name.
 * @param facts Host facts.
 * @throws {PreconditionError} When taken or stale.
 */
export function assertNetnsFree(name: string, facts: HostFacts): void {
  const found = facts.netns.find((n) => n.name === name);
  if (!found) return;
  if (found.state === "stale") {
    throw new PreconditionError(
      `'/run/netns/${name}' is a stale namespace file, not a network namespace (left by a crash?)`,
      `Check that nothing uses it, then remove it: 'umount /run/netns/${name} 2>/dev/null; rm /run/netns/${name}'.`,
    );
  }
  throw new PreconditionError(`A network namespace named ${quote(name)} already exists`, netnsTakenHint(found));
}

/**
 * The steps that create a named netns with `lo` up.
 * @param name The netns name.
 * @returns Two steps.
 */
export function netnsSteps(name: string): Step[] {
  return [{ kind: "netns-add", netns: name }, { kind: "link-set-up", dev: "lo", netns: name }];
}

/**
 * `netns`: a named network namespace with `lo` up; the shell or `-- CMD` runs
 * inside it in a new PID namespace. Builds on `pid-only`.
 */
export const netns: Recipe<typeof params> = {
  name: "netns",
  summary: "the pid-only shell inside a named network namespace",
  description: "Creates the network namespace NAME ('ip netns add'), brings its loopback up, and runs the shell or " +
    "the command after -- inside it as PID 1 of a new PID namespace ('ip netns exec NAME unshare -fp --mount-proc'). " +
    "Undo ends any process still inside ('ip netns pids') and deletes the namespace.",
  params,
  needs: { checks: ["privileges", "ip", "unshare", "netns-name"], movesUplink: false, wires: false },
  targets: (p) => ({ netns: p.name }),
  plan(p, facts): Plan {
    assertNetnsFree(p.name, facts);
    return { label: p.name, steps: netnsSteps(p.name), uses: [], handover: [], enter: netnsEnter(p.name), notes: [] };
  },
};
