import { onOwnTerminal, ownTerminalWanted, whereEnv } from "../exec/mod.ts";
import { buildLab, DEFAULT_LAB, labArgv, type LabSpec, selfArgv } from "../lab/mod.ts";
import { shellQuote } from "../quote.ts";
import { processesFor } from "./composition_root.ts";
import type { Output } from "./output.ts";

/**
 * `nsrecipe lab [--uplink …] [-- ARGS]`: creates a lab and runs nsrecipe ARGS
 * inside it (or a shell when none), then lets it vanish.
 * @param spec The lab.
 * @param args nsrecipe arguments to run inside, or `[]`.
 * @param out The output.
 * @returns The exit code of what ran inside.
 */
export function labCommand(spec: LabSpec, args: string[], out: Output): Promise<number> {
  return processesFor(out).interactive(labArgv(spec, args));
}

/**
 * The lab's PID 1: builds the simulated host, then runs ARGS through
 * `dispatch` in this same process (so the lab lives exactly as long as they
 * run), or holds until stdin closes (`--hold`, for tests that enter the lab
 * with nsenter), or starts a shell.
 * @param spec The lab (`DEFAULT_LAB` merged with options).
 * @param args nsrecipe arguments, or `[]`.
 * @param hold Hold mode.
 * @param out The output.
 * @param dispatch Runs nsrecipe arguments and returns the exit code.
 * @returns The exit code.
 */
export async function labInitCommand(
  spec: Partial<LabSpec>,
  args: string[],
  hold: boolean,
  out: Output,
  dispatch: (args: string[]) => Promise<number>,
): Promise<number> {
  const full = { ...DEFAULT_LAB, ...spec };
  const procs = processesFor(out);
  await buildLab(full, procs.run);
  if (args.length > 0) return await dispatch(args);
  if (hold) {
    console.log("ready");
    for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
    return 0;
  }
  out.progress(
    `Lab ready: uplink ${full.uplink} ${full.address}, gateway ${full.gateway}; LAN host ${full.lanHost}.\n` +
      `[nsrecipe-lab] Run nsrecipe here as: ${shellQuote(selfArgv())} ARGS   (exit the shell to discard the lab)`,
  );
  // The lab's shell, on a pseudo-terminal of its own when there is a terminal (src/exec/terminal.ts: a
  // job-control shell cannot hand back a terminal whose process group lies outside its PID namespace).
  // unshare(1) without namespace options just executes the program (one the permission set may start).
  const shell = [Deno.env.get("SHELL") || "/bin/bash"];
  return await procs.interactive([
    "unshare",
    "--",
    ...(ownTerminalWanted()
      ? onOwnTerminal(shell, { SHELL: Deno.env.get("SHELL"), ...whereEnv("nsrecipe-lab") })
      : shell),
  ]);
}
