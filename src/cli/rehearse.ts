import type { Recipe } from "../../recipes/mod.ts";
import { EXIT, InterruptedError, NsrecipeError, UsageError } from "../errors.ts";
import { gatherFacts, type HostFacts } from "../host/mod.ts";
import type { Runner } from "../exec/mod.ts";
import { planProbed } from "./lan_probe.ts";
import { labArgv } from "../lab/mod.ts";
import { labSpecFromHost, rehearse, type Verdict } from "../rehearse/mod.ts";
import { type GlobalOptions, processesFor } from "./composition_root.ts";
import { Output } from "./output.ts";
import { REHEARSE_INNER_COMMAND } from "./hidden.ts";
import { runCommand } from "./run.ts";
import { undoCommand } from "./undo.ts";

/**
 * `nsrecipe rehearse RECIPE [options]`: copies this host's uplink (name, MAC,
 * MTU, addresses, routes) into a lab and rehearses the recipe there. Reads
 * the host; never changes it.
 *
 * @param recipe The recipe.
 * @param params Its parsed parameters.
 * @param uplink `--uplink` of the recipe, if it has one.
 * @param g Global options.
 * @param out The output.
 * @returns 0 when the rehearsal passed, {@link EXIT.precondition} when it failed.
 * @throws {UsageError} When the recipe changes nothing on the host (`pid-only`): nothing to rehearse.
 * @throws {PreconditionError} When the host's uplink cannot be copied, or an
 *   address the run would use is held by another host on the LAN.
 */
export async function rehearseCommand(
  recipe: Recipe,
  params: Record<string, unknown>,
  uplink: string | undefined,
  g: GlobalOptions,
  out: Output,
): Promise<number> {
  const procs = processesFor(out);
  const facts = await gatherFacts(procs.run, { uplink });
  const spec = labSpecFromHost(facts, uplink);
  const refused = planRefusal(recipe, params, facts);
  if (refused) {
    // The lab copies the uplink, not everything around it (e.g. firewall rules naming it): a run this host's own
    // plan refuses fails here, as the real run would, before any lab is built.
    return reportVerdict({
      pass: false,
      checks: [{ name: "the recipe plans on this host", ok: false, detail: refused }],
    }, out);
  }
  await probeRealLan(recipe, params, facts, procs.run, out);
  out.progress(
    `Rehearsing '${recipe.name}' on a lab copy of '${spec.uplink}' (${spec.address}, gateway ${spec.gateway})`,
  );
  const args = [
    ...(g.json ? ["--json"] : []),
    ...(g.verbose ? ["--verbose"] : []),
    REHEARSE_INNER_COMMAND,
    recipe.name,
    JSON.stringify(params),
    spec.gateway,
  ];
  // The rehearsal inside the lab shares this stdout and, with --json, writes the one document.
  if (g.json) out.delegateDocument();
  return await procs.interactive(labArgv(spec, args));
}

/**
 * The lab copies the uplink, not the LAN behind it: the addresses the run
 * would use on the LAN are probed on the real one first (ARP probes change
 * nothing), so a rehearsal fails where the run would. Called once the plan
 * is known to succeed on the host's facts.
 * @throws {PreconditionError} When an address given by an option is held on the LAN.
 */
async function probeRealLan(
  recipe: Recipe,
  params: Record<string, unknown>,
  facts: HostFacts,
  run: Runner,
  out: Output,
): Promise<void> {
  const planFor = (f: HostFacts) => recipe.plan(params, f);
  await planProbed(planFor, facts, run, (line) => out.progress(line));
}

/**
 * The rehearsal inside the lab: runs the recipe and its undo in this process
 * and prints the verdict.
 *
 * @param recipe The recipe.
 * @param params Its parsed parameters.
 * @param gateway The LAN gateway.
 * @param g Global options.
 * @param out The output.
 * @returns 0 when every check passed, {@link EXIT.rolledBack} when a signal interrupted the run
 *   (rolled back in the lab: no verdict), else {@link EXIT.precondition}.
 */
export async function rehearseInnerCommand(
  recipe: Recipe,
  params: Record<string, unknown>,
  gateway: string,
  g: GlobalOptions,
  out: Output,
): Promise<number> {
  const quiet = new Output(false, out.color, out.verbose, true);
  const attempt = async (fn: () => Promise<number | void>): Promise<{
    code: number;
    message: string;
    interrupted?: string;
  }> => {
    try {
      return { code: (await fn()) ?? 0, message: "" };
    } catch (e) {
      if (!(e instanceof NsrecipeError)) throw e;
      return {
        code: e.exitCode,
        message: e.message,
        ...(e instanceof InterruptedError ? { interrupted: e.signal } : {}),
      };
    }
  };
  const { netns } = recipe.targets(params);
  const verdict: Verdict = await rehearse(processesFor(out), gateway, {
    run: async (probePids) => ({
      ...(await attempt(() =>
        runCommand(
          recipe,
          params,
          ["true"],
          { rm: false, shell: "/bin/sh", confirm: 0, rehearsal: true, probePids },
          g,
          quiet,
        )
      )),
      netns,
    }),
    undo: () => attempt(() => undoCommand(undefined, g, quiet)),
  });
  return reportVerdict(verdict, out);
}

/**
 * Why the recipe's plan is refused on this host, or `undefined` when it plans.
 * @param recipe The recipe.
 * @param params Its parsed parameters.
 * @param facts This host's facts.
 * @returns The refusal's message, e.g. the firewall rules that match the uplink by name.
 * @throws {UsageError} When the plan has no step (`pid-only`): there is nothing to rehearse.
 * @throws {Error} For anything but a usage or precondition refusal (a bug).
 */
function planRefusal(recipe: Recipe, params: Record<string, unknown>, facts: HostFacts): string | undefined {
  let steps: number;
  try {
    steps = recipe.plan(params, facts).steps.length;
  } catch (e) {
    if (e instanceof NsrecipeError) return e.message;
    throw e;
  }
  // As `run` says for it: a recipe that changes nothing on the host has no outage and nothing to undo.
  if (steps === 0) {
    throw new UsageError(
      `Nothing to rehearse: '${recipe.name}' changes nothing on the host`,
      `Run it as it is: 'nsrecipe run ${recipe.name} -- CMD'.`,
    );
  }
  return undefined;
}

/**
 * Prints a verdict: the document with `--json`, else one PASS/FAIL line per
 * check, the outage and the conclusion.
 * @param verdict The verdict.
 * @param out Output.
 * @returns 0 when it passed, {@link EXIT.rolledBack} when its run was interrupted (no verdict),
 *   else {@link EXIT.precondition}.
 */
function reportVerdict(verdict: Verdict, out: Output): number {
  out.data(verdict);
  for (const c of verdict.checks) {
    out.result(
      `${c.ok ? out.paint("green", "PASS") : out.paint("red", "FAIL")}  ${c.name}${c.detail ? `: ${c.detail}` : ""}`,
    );
  }
  for (const [when, o] of [["applying", verdict.outage], ["undoing", verdict.undoOutage]] as const) {
    if (o) {
      out.result(`Outage while ${when}: longest gap ${o.longestGapMs} ms (${o.received}/${o.sent} pings answered)`);
    }
  }
  const { line, code } = conclusion(verdict);
  out.result(line);
  return code;
}

/**
 * A rehearsal's last line and exit code. An interrupted one (a signal while its run applied, rolled back in the lab)
 * was stopped, not judged: it says nothing about the host and exits as an interrupted `run` does (README, "Exit
 * codes": 4).
 * @param verdict The verdict.
 * @returns e.g. `{ line: "Rehearsal passed.", code: 0 }`.
 */
export function conclusion(verdict: Verdict): { line: string; code: number } {
  if (verdict.interrupted) {
    return {
      line: `Rehearsal interrupted (${verdict.interrupted}): no verdict. Its run was rolled back in the lab.`,
      code: EXIT.rolledBack,
    };
  }
  return verdict.pass
    ? { line: "Rehearsal passed.", code: EXIT.ok }
    : { line: "Rehearsal FAILED: do not run this on the host as it is.", code: EXIT.precondition };
}
