/**
 * `deno task bench-suite [FILE|DIR ...]`: how the test suite's time is spread
 * over its files, to keep `deno task test` (eight files at once on 2 cores)
 * balanced. Type-checks every entry first, at once (as `deno test` does
 * before its first test; timed on its own line), then runs each test file
 * alone, one after another (`deno test -q -A --no-prompt --no-check FILE`; a
 * folder given counts as one entry, e.g. `tests/unit/`), and prints one row
 * per entry: wall time, CPU time (user + system of the test and every process
 * it waited for) and the result, heaviest CPU first, then the two bounds of
 * the parallel run's wall time:
 *
 * - the longest entry's wall time: no file is split across workers;
 * - the total CPU time divided by the cores: the workers share them.
 *
 * The larger one dominates; rebalance by splitting long files, cut CPU by
 * doing less per case. The CPU time comes from this process's
 * `/proc/self/stat` fields `cutime` and `cstime` (proc(5)): it counts a
 * process once its parent has reaped it, so processes left to a lab's PID 1
 * (which does not reap) are missing, e.g. full-migrate's confirm watchdog
 * ended by SIGKILL. Read it as a lower bound. Default entries: every file of
 * `tests/e2e/` (and its subfolders) alone, and `tests/unit/` as one. Measure
 * on an idle machine: another load stretches the wall times, and somewhat the
 * CPU times.
 *
 * With `--order`, it prints instead the files measured, longest wall time
 * first, one a line: the order in which `deno task test` starts them
 * (`tests/longest_first.txt`, see {@link longestFirst}). With `--order-from
 * LOG`, it measures nothing and prints that order for the end-to-end files
 * from the report of a whole `deno task test` run saved in LOG (each file's
 * time: the sum of its tests' times there, {@link fileTimesFromReport}): the
 * times of the parallel run itself, where the files shared the cores.
 *
 * Usage: `deno task bench-suite [--cores N] [--json | --order] [FILE|DIR ...]`,
 * `deno task bench-suite --order-from LOG`.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One measured entry. */
export interface FileTime {
  /** The file or folder, as given to `deno test`. */
  entry: string;
  /** Wall time in seconds. */
  wall: number;
  /** CPU time (user + system) in seconds, of the test and the processes it reaped. */
  cpu: number;
  /** Deno's summary line, e.g. `ok | 3 passed | 0 failed`, or the exit code when there is none. */
  result: string;
}

/**
 * The CPU time of this process's reaped children so far, from `/proc/self/stat`
 * (fields 16 `cutime` and 17 `cstime`, in clock ticks; proc(5)).
 * @param stat The text of `/proc/self/stat`.
 * @param ticksPerSecond `getconf CLK_TCK`, 100 on Linux.
 * @returns Seconds.
 */
export function childrenCpu(stat: string, ticksPerSecond = 100): number {
  // The command name (field 2) may hold spaces and parentheses: count fields after its closing ')'.
  const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // after[0] is field 3 (state), so field n is after[n - 3].
  return (Number(after[16 - 3]) + Number(after[17 - 3])) / ticksPerSecond;
}

/**
 * The bounds of a parallel run's wall time.
 * @param times The entries.
 * @param cores The cores the workers share.
 * @returns Seconds: the longest wall time, and the total CPU time over the cores.
 */
export function bounds(times: readonly FileTime[], cores: number): { longest: number; cpuShare: number } {
  return {
    longest: Math.max(0, ...times.map((t) => t.wall)),
    cpuShare: times.reduce((s, t) => s + t.cpu, 0) / cores,
  };
}

/**
 * The files measured, longest wall time first (ties in path order), folders
 * left out: the order for `tests/longest_first.txt`, which `deno task test`
 * passes before `tests/` so that `deno test --parallel` starts the longest
 * first (Deno 2.9.6 starts the files named before a folder's, grouped by
 * folder, each group in the order given: README, "Tests"). Started in path
 * order, a long file late in it runs on with the cores idle at the end (the
 * `watchdog_*` files, which mostly wait for confirmation windows, ended
 * every run); started longest first, the short ones fill the cores at the end.
 * @param times The entries.
 * @returns Their paths.
 */
export function longestFirst(times: readonly FileTime[]): string[] {
  return times.filter((t) => !t.entry.endsWith("/"))
    .toSorted((a, b) => b.wall - a.wall || (a.entry < b.entry ? -1 : a.entry > b.entry ? 1 : 0))
    .map((t) => t.entry);
}

/**
 * A duration as `deno test` prints it after a test, e.g. `1m8s`, `3s`,
 * `934ms`, `81µs`.
 * @param text The text between the parentheses.
 * @returns Seconds, or `undefined` for another form.
 */
export function reportDuration(text: string): number | undefined {
  let m = /^([\d.]+)(ms|µs|ns)$/.exec(text);
  if (m) return Number(m[1]) / { ms: 1e3, µs: 1e6, ns: 1e9 }[m[2] as "ms" | "µs" | "ns"];
  m = /^(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)s)?$/.exec(text);
  if (!m || text === "") return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/**
 * Each file's time in the report of a `deno test` run (colours removed):
 * the sum of the times of its tests, one line each, `./FILE => NAME ... ok
 * (TIME)` (or `FAILED`); a test step's line, `./FILE => NAME ... STEP ...
 * ok (TIME)`, is left out (its test's time holds it).
 * @param report The report's text.
 * @returns Seconds by file path (without `./`), in the order first seen.
 */
export function fileTimesFromReport(report: string): Map<string, number> {
  const out = new Map<string, number>();
  // deno-lint-ignore no-control-regex -- the escape that starts a colour (SGR) sequence is what is removed
  for (const line of report.replace(/\x1b\[[0-9;]*m/g, "").split("\n")) {
    const m = /^\.\/(\S+_test\.ts) => (.*) \.\.\. (?:ok|FAILED) \(([^)]+)\)$/.exec(line);
    if (!m || m[2].includes(" ... ")) continue;
    const seconds = reportDuration(m[3]);
    if (seconds !== undefined) out.set(m[1], (out.get(m[1]) ?? 0) + seconds);
  }
  return out;
}

/** Every `*_test.ts` below a folder, sorted. */
async function testFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir.replace(/\/$/, "")}/${e.name}`;
    if (e.isDirectory) out.push(...await testFiles(path));
    else if (e.name.endsWith("_test.ts")) out.push(path);
  }
  return out.sort();
}

/** Runs `deno ARGS` and measures it (entry: what it ran, for the row). */
async function measure(entry: string, args: string[]): Promise<FileTime> {
  const cpu0 = childrenCpu(await Deno.readTextFile("/proc/self/stat"));
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const wall = (performance.now() - t0) / 1000;
  const cpu = childrenCpu(await Deno.readTextFile("/proc/self/stat")) - cpu0;
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  const summary = text.match(/^(ok|FAILED) \| .*$/m)?.[0].replace(/\s*\([^)]*\)$/, "");
  return { entry, wall, cpu, result: summary ?? `exit ${out.code}` };
}

if (import.meta.main) {
  const { values: flags, positionals } = parseArgs({
    args: Deno.args,
    options: {
      cores: { type: "string", default: "2" },
      json: { type: "boolean", default: false },
      order: { type: "boolean", default: false },
      "order-from": { type: "string" },
    },
    allowPositionals: true,
  });
  const cores = Number(flags.cores);
  if (!Number.isInteger(cores) || cores < 1) throw new Error(`--cores must be a positive integer, got ${flags.cores}`);
  const log = flags["order-from"];
  if (log !== undefined) {
    const times = [...fileTimesFromReport(await Deno.readTextFile(log))]
      .filter(([entry]) => entry.startsWith("tests/e2e/"))
      .map(([entry, wall]): FileTime => ({ entry, wall, cpu: 0, result: "" }));
    if (times.length === 0) {
      throw new Error(`${log}: no test of tests/e2e/ in it (is it the report of deno task test?)`);
    }
    console.log(longestFirst(times).join("\n"));
    Deno.exit(0);
  }
  const entries = positionals.length > 0 ? positionals : [...await testFiles("tests/e2e"), "tests/unit/"];
  const check = await measure("(type check of every entry)", ["check", "-q", ...entries]);
  if (check.result !== "exit 0") throw new Error(`deno check ${entries.join(" ")}: ${check.result}`);
  console.error(`type check: ${check.wall.toFixed(1)} s wall, ${check.cpu.toFixed(1)} s CPU`);
  const times: FileTime[] = [];
  for (const entry of entries) {
    const t = await measure(entry, ["test", "-q", "-A", "--no-prompt", "--no-check", entry]);
    times.push(t);
    // Progress on stderr, also with --json: a long measurement is not lost when it is stopped.
    console.error(`${t.entry}: ${t.wall.toFixed(1)} s wall, ${t.cpu.toFixed(1)} s CPU, ${t.result}`);
  }
  const { longest, cpuShare } = bounds(times, cores);
  if (flags.order) {
    console.log(longestFirst(times).join("\n"));
  } else if (flags.json) {
    console.log(JSON.stringify({ check, times, cores, longest, cpuShare }));
  } else {
    const rows = [...times].sort((a, b) => b.cpu - a.cpu);
    const width = Math.max(...rows.map((r) => r.entry.length));
    console.log(`${"file".padEnd(width)}  wall s   CPU s  result`);
    for (const r of rows) {
      console.log(
        `${r.entry.padEnd(width)}  ${r.wall.toFixed(1).padStart(6)}  ${r.cpu.toFixed(1).padStart(6)}  ${r.result}`,
      );
    }
    const total = times.reduce((s, t) => s + t.cpu, 0);
    console.log(
      `\ntotal CPU ${total.toFixed(0)} s, and ${
        check.cpu.toFixed(0)
      } s to type-check first; bounds of a parallel run's wall time: longest file ${
        longest.toFixed(0)
      } s, CPU over ${cores} cores ${cpuShare.toFixed(0)} s (${
        longest > cpuShare ? "the longest file" : "CPU"
      } dominates)`,
    );
  }
}
