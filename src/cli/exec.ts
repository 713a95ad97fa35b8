/**
 * `nsrecipe exec RUN -- CMD` and `nsrecipe shell RUN`: back into an
 * applied run's namespaces, like `machinectl shell` and `docker exec`.
 *
 * Which namespaces: the run's network namespace (named in its journalled
 * `netns-add` step) and, when a process of the run still holds one, its PID
 * namespace with its own `/proc`. That process is the one `run` started as
 * PID 1 of a new PID namespace (`unshare --fork --pid --mount-proc`, whose
 * mount namespace holds that namespace's `/proc`): found live among the
 * netns's processes (`ip netns pids`) as the one whose `NSpid` line in
 * `/proc/PID/status` ends in 1 (proc(5): its PID in each nested PID
 * namespace, outermost first). It is entered with nsenter(1) (`--pid
 * --mount --net`). Nothing more needs journalling: a PID namespace lives
 * exactly as long as its PID 1 (pid_namespaces(7)), so a recorded one could
 * only be stale. When none is alive (a setup-only run, or its shell has
 * exited), CMD starts as PID 1 of a new PID namespace inside the netns, as
 * `run` would start it.
 *
 * @module
 */
// recipes/enter.ts, not recipes/mod.ts: that would load every recipe, zod and ip-bigint.
import { netnsEnter } from "../../recipes/enter.ts";
import { selectRuns } from "../engine/mod.ts";
import { noRunCalled, NoRunError, PreconditionError, UsageError } from "../errors.ts";
import { closedRunCalled, closedRunPhrase } from "../engine/run_ended.ts";
import {
  onOwnTerminal,
  OWN_TERMINAL_PROGRAMS,
  ownTerminalWanted,
  refuseHalfTerminalShell,
  type Runner,
  whereEnv,
} from "../exec/mod.ts";
import { foldRuns, type RunView } from "../journal/mod.ts";
import { archivedRunCalled } from "./archived.ts";
import { quote } from "../quote.ts";
import { assertRoot, type GlobalOptions, processesFor, withJournal } from "./composition_root.ts";
import type { Output } from "./output.ts";
import { assertExecutable, assertProgramsAhead } from "./programs.ts";
import { termForwarding } from "./command_stop.ts";

/**
 * Picks the PID 1 of a nested PID namespace among a netns's processes.
 * @param statuses `[pid, text of /proc/PID/status]` for each process in the netns (this PID namespace's view).
 * @returns The lowest such pid (the earliest started, as pids are handed out in order until they wrap),
 *   or `undefined` when no process is PID 1 of a nested namespace.
 */
export function pidNamespaceInit(statuses: readonly [number, string][]): number | undefined {
  const inits = statuses.filter(([, text]) => {
    const ids = text.match(/^NSpid:\s*(.*)$/m)?.[1].trim().split(/\s+/) ?? [];
    return ids.length >= 2 && ids.at(-1) === "1";
  }).map(([pid]) => pid);
  return inits.length ? Math.min(...inits) : undefined;
}

/**
 * The argv prefix that enters a run's namespaces.
 * @param netns The run's network namespace.
 * @param init PID of its PID namespace's PID 1, if alive.
 * @returns `nsenter --target PID --pid --mount --net --`, or `ip netns exec NAME unshare … --` for a new PID namespace.
 */
export function enterPrefix(netns: string, init: number | undefined): string[] {
  return init === undefined
    ? netnsEnter(netns)
    : ["nsenter", "--target", String(init), "--pid", "--mount", "--net", "--"];
}

/** Reads the status of each process (`cat /proc/PID/status`); a process gone meanwhile is left out. */
async function statuses(run: Runner, pids: readonly number[]): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for (const pid of pids) {
    const r = await run(["cat", `/proc/${pid}/status`], { okCodes: [0, 1] });
    if (r.code === 0) out.push([pid, r.stdout]);
  }
  return out;
}

/** Options of `exec` and `shell`. */
export interface EnterOptions {
  /** The command; `[]` for `shell`. */
  command: string[];
  /** The shell for `shell` (`--shell`, default `$SHELL`). */
  shell: string;
}

/**
 * `nsrecipe exec RUN -- CMD` / `nsrecipe shell RUN`: runs CMD (or a shell,
 * with a banner and prompt naming the run) in the run's network namespace
 * and PID namespace.
 *
 * @param selector Run id or name.
 * @param opts The command or shell.
 * @param g Global options.
 * @param out The output.
 * @returns CMD's (or the shell's) exit code.
 * @throws {UsageError} When no applied run has that name, it has no network
 *   namespace, or CMD cannot be executed.
 * @throws {PreconditionError} When not root, or nsenter/ip/unshare are missing.
 */
export async function execCommand(
  selector: string,
  opts: EnterOptions,
  g: GlobalOptions,
  out: Output,
): Promise<number> {
  assertRoot();
  const procs = processesFor(out);
  const target = await withJournal(g, out, async (journal) => {
    const { runs } = foldRuns(await journal.read());
    let found: RunView | undefined;
    try {
      [found] = selectRuns(runs, selector);
    } catch (e) {
      // None in the journal: a closed one its archive holds is said as closed.
      if (!(e instanceof NoRunError)) throw e;
    }
    if (found) return found;
    // No open run of that name, a closed one (selectRuns throws when there is none).
    const closed = closedRunCalled(runs, selector) ?? await archivedRunCalled(g.stateDir, selector);
    if (!closed) throw noRunCalled(selector, "applied");
    throw new UsageError(
      `${closedRunPhrase(closed, Date.now(), true)}: there is nothing to enter`,
      "Run the recipe again to have it back, or give an applied run ('nsrecipe status' lists them).",
    );
  });
  const netns = target.steps.find((s) => s.kind === "netns-add")?.netns;
  if (!netns) {
    throw new UsageError(
      `Run ${quote(target.label)} (${target.recipe}) has no network namespace to enter`,
      "Give a run that made one ('nsrecipe status' lists the applied runs).",
    );
  }
  const onTty = ownTerminalWanted();
  const shell = opts.command.length === 0;
  if (shell && g.json) throw new UsageError("--json needs a command (exec RUN -- CMD): a shell would write to stdout");
  if (shell) {
    // `shell` takes no command: the way to one whose output may be redirected is `exec`.
    refuseHalfTerminalShell(
      `'nsrecipe shell ${selector}'`,
      `or run a command there with 'nsrecipe exec ${selector} -- CMD' (its output goes where stdout goes)`,
    );
  }
  const argv = shell ? [opts.shell] : opts.command;
  const init = pidNamespaceInit(await statuses(procs.run, await pidsOf(procs.run, netns)));
  const prefix = enterPrefix(netns, init);
  // The programs of the prefix and the command with its helpers in one which-check; when one is missing, each is
  // checked on its own and refused in its own words.
  const path = Deno.env.get("PATH") ?? "";
  const started = [...(onTty ? OWN_TERMINAL_PROGRAMS : []), argv[0]];
  const found = await assertProgramsAhead(
    procs.run,
    [prefix[0], ...(init === undefined ? ["unshare"] : [])],
    started,
    path,
  );
  await assertExecutable(
    procs.run,
    started.filter((p) => !found.has(p)),
    path,
    (p) => shell && p === opts.shell ? `--shell ${quote(p)}` : quote(p),
  );
  const where = `nsrecipe:${target.label}`;
  if (shell) {
    out.progress(out.paint(
      "bold",
      `[${where}] ${opts.shell} in network namespace '${netns}' and ${
        init === undefined ? "a new PID namespace (no process of the run holds one)" : `the run's PID namespace`
      }; 'exit' returns.`,
    ));
  } else if (init === undefined && out.verbose) {
    // The usual case for a run without a shell: said only with --verbose.
    out.progress(`No process of run '${target.label}' holds a PID namespace: starting the command in a new one.`);
  }
  // SHELL names the shell started (--shell), as login(1) and su(1) set it; a command gets the caller's.
  const env = {
    SHELL: shell ? opts.shell : Deno.env.get("SHELL"),
    ...(shell ? whereEnv(where) : { NSRECIPE_RUN: where }),
  };
  const code = await procs.interactive([...prefix, ...(onTty ? onOwnTerminal(argv, env) : argv)], {
    stdoutToStderr: g.json,
    term: termForwarding(out),
  });
  out.data({
    run: target.id,
    label: target.label,
    netns,
    pidNamespaceInit: init ?? null,
    command: { argv, exitCode: code },
  });
  out.exitIsCommands();
  return code;
}

/** The processes in a netns (`ip netns pids`, ip-netns(8)). */
async function pidsOf(run: Runner, netns: string): Promise<number[]> {
  const r = await run(["ip", "netns", "pids", netns], { okCodes: [0, 1, 255] });
  if (r.code !== 0) {
    throw new PreconditionError(
      `The network namespace ${quote(netns)} of this run is gone: ${r.stderr}`,
      "See 'nsrecipe status'.",
    );
  }
  return r.stdout.split(/\s+/).filter((s) => s !== "").map(Number);
}
