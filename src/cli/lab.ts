import { onOwnTerminal, ownTerminalWanted, whereEnv } from "../exec/mod.ts";
import {
  buildLab,
  DEFAULT_LAB,
  LAB_BIN_DIR,
  labArgv,
  type LabSpec,
  labWrapperScript,
  markOneShotLab,
  selfArgv,
} from "../lab/mod.ts";
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
  return processesFor(out).interactive(labArgv(spec, args, false, Deno.pid));
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
 * @param parentPid The host PID of the `nsrecipe lab` that made the lab, for the attach line.
 * @returns The exit code.
 */
export async function labInitCommand(
  spec: Partial<LabSpec>,
  args: string[],
  hold: boolean,
  out: Output,
  dispatch: (args: string[]) => Promise<number>,
  parentPid?: number,
): Promise<number> {
  const full = { ...DEFAULT_LAB, ...spec };
  const procs = processesFor(out);
  await buildLab(full, procs.run);
  if (args.length > 0) {
    markOneShotLab();
    return await dispatch(args);
  }
  if (hold) {
    console.log("ready");
    for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
    return 0;
  }
  // `nsrecipe` in the lab's shell: a wrapper on the lab's own /run, first in its PATH.
  await Deno.mkdir(LAB_BIN_DIR, { recursive: true, mode: 0o700 });
  await Deno.writeTextFile(`${LAB_BIN_DIR}/nsrecipe`, labWrapperScript(shellQuote(selfArgv())), { mode: 0o755 });
  const path = `${LAB_BIN_DIR}:${Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin"}`;
  out.progress(
    `Lab ready: uplink ${full.uplink} ${full.address}, gateway ${full.gateway}; LAN host ${full.lanHost}.\n` +
      `[nsrecipe-lab] 'nsrecipe' runs nsrecipe here; exit the shell to discard the lab.` +
      (parentPid === undefined
        ? ""
        : `\n[nsrecipe-lab] Another shell into this lab, from the host: ${attachLine(parentPid)}`),
  );
  // The lab's shell, on a pseudo-terminal of its own when there is a terminal (src/exec/terminal.ts: a
  // job-control shell cannot hand back a terminal whose process group lies outside its PID namespace).
  // unshare(1) without namespace options just executes the program (one the permission set may start).
  const shell = [Deno.env.get("SHELL") || "/bin/bash"];
  return await procs.interactive([
    "unshare",
    "--",
    ...(ownTerminalWanted()
      ? onOwnTerminal(shell, { SHELL: Deno.env.get("SHELL"), PATH: path, ...whereEnv("nsrecipe-lab") })
      : ["env", `PATH=${path}`, ...shell]),
  ]);
}

/**
 * The command that opens another shell in a running lab from the host:
 * nsenter(1) into the namespaces of the lab's PID 1, which is the child of
 * unshare(1), itself the only child of the `nsrecipe lab` process (pgrep(1)
 * `-P`), with the lab's `nsrecipe` in PATH.
 * @param parentPid The host PID of `nsrecipe lab`.
 * @returns e.g. `nsenter --target "$(pgrep -P "$(pgrep -P 4242)")" --net --mount --pid -- env PATH=… bash`.
 */
export function attachLine(parentPid: number): string {
  return `nsenter --target "$(pgrep -P "$(pgrep -P ${parentPid})")" --net --mount --pid --wd=/ -- ` +
    `env PATH=${LAB_BIN_DIR}:"$PATH" NSRECIPE_RUN=nsrecipe-lab debian_chroot=nsrecipe-lab bash`;
}
