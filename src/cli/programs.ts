/**
 * The programs nsrecipe runs: the ones it may run at all (the permission
 * set), the ones a plan needs, and the check made before anything changes
 * that each of them can be started. Without them a run would stop half-way (a
 * namespace made, no `unshare` to enter it) and an undo would record a
 * failure for every step.
 *
 * @module
 */

import { listed, quote } from "../quote.ts";
import { CommandError, PreconditionError, UsageError } from "../errors.ts";
import { installHint, installHints, type Runner } from "../exec/mod.ts";
import type { PathRead, PathStat } from "../host/path_reads.ts";
import { planCommands, type Step } from "../steps/mod.ts";

/**
 * Programs every run and undo needs: `ip` (every step and every check),
 * `head` (the boot id, with other files: `src/host/path_reads.ts`), `cat`
 * (the processes left in a namespace), `stat` (the network namespace a run is
 * tied to), `kill` (ending processes left in a namespace), `setpriv` (a long
 * `ip -batch -` dies with nsrecipe: `ORPHAN_GUARD` in `src/exec/runner.ts`).
 */
export const BASE_PROGRAMS: readonly string[] = ["ip", "head", "cat", "stat", "kill", "setpriv"];

/**
 * Programs nsrecipe may run at all: the `run` list of the permission set
 * in deno.json.
 */
export const KNOWN_PROGRAMS: readonly string[] = [
  "ip",
  "unshare",
  "nsenter",
  "mount",
  "kill",
  "cat",
  "stat",
  "sysctl",
  "setsid",
  "setpriv",
  "ping",
  "arping",
  "nft",
  "ss",
  "test",
  "head",
  "stty",
  "gzip",
  "iptables",
  "ip6tables",
  "logger",
  "wall",
  "systemd-run",
  "lsns",
];

/**
 * The programs a plan needs: those of its steps' commands, and those named
 * in the argv prefix that enters its namespaces (e.g. `ip` and `unshare` in
 * `ip netns exec web unshare …`).
 *
 * @param steps The plan's steps (or the applied steps of runs to undo).
 * @param enter The enter prefix, or `[]` when nothing will be entered.
 * @returns Program names, without duplicates.
 */
export function programsFor(steps: readonly Step[], enter: readonly string[] = []): string[] {
  const fromSteps = planCommands(steps).map((argv) => argv[0]);
  const fromEnter = enter.filter((a, i) => i === 0 || KNOWN_PROGRAMS.includes(a));
  return [...new Set([...fromSteps, ...fromEnter])];
}

/** Exit codes that all count as "it started". */
const ALL_CODES = Array.from({ length: 256 }, (_, i) => i);

/**
 * The argument that makes a program print its version and exit 0, where it
 * is not `--version`: iproute2's `ip` knows only `-V` (ip(8); `ip --version`
 * exits 255, which `--verbose` would show as a failure on every call), and so
 * does iputils' `ping`.
 */
const VERSION_FLAG: Readonly<Record<string, readonly string[]>> = { ip: ["-V"], ping: ["-V"] };

/**
 * Makes sure each program can be started. Several are looked up together
 * by one test(1) process (each an executable file in a directory of PATH, as
 * execvp(3) finds it: {@link executableTest}); when that one says no (or
 * `test` itself is missing), and for a single program, each is started
 * (`PROGRAM --version`, `ip -V`; its exit code does not matter, only that it
 * started), which names the missing ones.
 *
 * @param run The process seam.
 * @param programs Program names looked up in PATH.
 * @throws {PreconditionError} Naming every program that could not be started.
 */
export async function assertPrograms(run: Runner, programs: Iterable<string>): Promise<void> {
  const names = [...new Set(programs)];
  if (names.length > 1 && await allExecutable(run, names, Deno.env.get("PATH") ?? "")) return;
  // Started side by side: one process each, but the wait is that of the slowest.
  const missing = (await Promise.all(names.map(async (program) => {
    try {
      await run([program, ...(VERSION_FLAG[program] ?? ["--version"])], { okCodes: ALL_CODES });
      return [];
    } catch (e) {
      if (!(e instanceof CommandError) || e.code !== -1) throw e;
      return [program];
    }
  }))).flat();
  if (missing.length > 0) {
    throw new PreconditionError(
      `${listed(missing.map((p) => `'${p}'`))} ${
        missing.length > 1 ? "were" : "was"
      } not found in PATH; nothing was changed`,
      installHints(missing),
    );
  }
}

/**
 * One look ahead for every program a command is known to start: the base
 * programs, and those it will start if all goes well (e.g. `unshare` and the
 * command after `--`). A program `known` answers for (from a stat of its
 * candidates made with others, {@link executableByStat}) costs no process;
 * the others are asked of one test(1) process ({@link executableTest}).
 * When all are there, the later checks of these programs need no process of
 * their own. When one is not, the base programs not found are checked as
 * {@link assertPrograms} does (naming every missing one), and the others are
 * left to their own later check, which refuses with its own words.
 *
 * @param run The process seam.
 * @param base Programs the command needs at all, e.g. {@link BASE_PROGRAMS}.
 * @param later Programs (names looked up in PATH, or paths with a `/`) checked again later unless found here;
 *   an empty name is left to its own check.
 * @param path The PATH value.
 * @param known Whether a program is executable, when that is known without a process; `undefined` when not.
 * @returns The programs found executable: every one given, or those found before one was missing.
 * @throws {PreconditionError} Naming every base program that could not be started.
 */
export async function assertProgramsAhead(
  run: Runner,
  base: readonly string[],
  later: readonly string[],
  path: string,
  known: (program: string) => Promise<boolean | undefined> = () => Promise.resolve(undefined),
): Promise<ReadonlySet<string>> {
  const all = [...new Set([...base, ...later.filter((p) => p !== "")])];
  const found = new Map(await Promise.all(all.map(async (p) => [p, await known(p)] as const)));
  const ask = all.filter((p) => found.get(p) === undefined);
  if (ask.length > 0 && await allExecutable(run, ask, path)) { for (const p of ask) found.set(p, true); }
  const unsure = base.filter((p) => found.get(p) !== true);
  if (unsure.length > 0) await assertPrograms(run, unsure);
  return new Set([...base, ...all.filter((p) => found.get(p) === true)]);
}

/**
 * The files execvp(3) would try for a program: a name with a `/` as that
 * path, any other in each directory of PATH in order (an empty entry is the
 * current directory, `.`).
 * @param program e.g. `ping` or `/bin/sh`.
 * @param path The PATH value, `:`-separated.
 * @returns The candidate paths, without repeats, in PATH order.
 */
export function programCandidates(program: string, path: string): string[] {
  if (program.includes("/")) return [program];
  return [...new Set(path.split(":").map((dir) => `${dir === "" ? "." : dir.replace(/\/+$/, "")}/${program}`))];
}

/**
 * Whether a program is executable, from a stat(2) of each of its
 * {@link programCandidates}: for root, a candidate that is a regular file
 * with an execute bit set, as access(2) `X_OK` answers root, and so
 * `test -f -a -x` (its one difference: a file on a filesystem mounted
 * `noexec`, which access(2) refuses; nsrecipe asks this only of its own base
 * programs, never of the command it starts inside).
 * @param stats Each candidate's stat, or why it could not be read (missing).
 * @param uid The effective uid (only root is answered).
 * @returns `true` or `false`; `undefined` for another uid than root (ask test(1)).
 */
export function executableByStat(stats: readonly PathRead<PathStat>[], uid: number): boolean | undefined {
  if (uid !== 0) return undefined;
  return stats.some((s) => s.ok && s.value.file && (s.value.mode & 0o111) !== 0);
}

/**
 * Whether every program is an executable file in PATH, asked of one test(1)
 * process: `( EXPR1 ) -a ( EXPR2 ) …`, each EXPR from {@link executableTest}
 * (GNU test(1) evaluates parentheses, `-a` and `-o` for any number of arguments).
 * @param run The process seam.
 * @param programs Program names looked up in PATH, or paths with a `/`.
 * @param path The PATH value.
 * @returns `true` when all are; `false` when one is not, or `test` could not be started.
 */
async function allExecutable(run: Runner, programs: readonly string[], path: string): Promise<boolean> {
  const expr = programs.flatMap((p, i) => [...(i > 0 ? ["-a"] : []), "(", ...executableTest(p, path), ")"]);
  try {
    return (await run(["test", ...expr], { okCodes: ALL_CODES })).code === 0;
  } catch (e) {
    if (e instanceof CommandError && e.code === -1) return false;
    throw e;
  }
}

/**
 * The test(1) expression that is true when `program` can be executed as
 * execvp(3) would find it: a name with a `/` as that path, any other in each
 * directory of PATH (an empty entry is the current directory). One `test`
 * process answers for all directories (`-o`, parentheses: GNU test(1)).
 *
 * @param program e.g. `ping` or `/bin/sh`.
 * @param path The PATH value, `:`-separated.
 * @returns The arguments for `test`.
 */
export function executableTest(program: string, path: string): string[] {
  const candidates = programCandidates(program, path);
  return candidates.flatMap((p, i) => [...(i > 0 ? ["-o"] : []), "(", "-f", p, "-a", "-x", p, ")"]);
}

/**
 * Makes sure the command `run` will start inside the namespaces (the shell or
 * `-- CMD`) and the helpers in front of it can be executed, before anything
 * changes: otherwise the whole run would be applied and then fail with 127.
 *
 * @param run The process seam (runs `test`).
 * @param programs argv[0] of the command and of its helpers, e.g. `["/bin/bash", "script"]`.
 * @param path The PATH the command will be looked up in.
 * @param what How to name each program in the message, e.g. `p => \`--shell ${quote(p)}\``.
 * @throws {UsageError} Naming the first program that is not an executable file (exit 2; nothing changed).
 */
export async function assertExecutable(
  run: Runner,
  programs: readonly string[],
  path: string,
  what: (program: string) => string,
): Promise<void> {
  for (const program of programs) {
    if (program === "") throw new UsageError(`${what(program)}: an empty program name cannot run; nothing was changed`);
    const r = await run(["test", ...executableTest(program, path)], { okCodes: [0, 1] });
    if (r.code !== 0) {
      throw new UsageError(
        program.includes("/")
          ? `${what(program)} is not an executable file; nothing was changed`
          : `${what(program)} was not found in PATH; nothing was changed`,
        program.includes("/") ? "Check the path." : `${installHint(program)} (PATH is ${quote(path)}.)`,
      );
    }
  }
}
