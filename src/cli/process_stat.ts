/**
 * A process's identity as the kernel states it in `/proc/PID/stat`
 * (proc(5)): a PID alone names a process only until it exits, after which
 * the kernel may give it to another; the PID with the process's start time
 * (field 22, `starttime`: clock ticks after boot, fixed for the process's
 * life, across exec) names one process for good. Read with cat(1), as Deno
 * grants no `/proc` short of `--allow-all`.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";

/** How long reading `/proc/PID/stat` may take, in ms. */
const STAT_TIMEOUT_MS = 5000;

/** Exit codes that all count as "it ran": a missing process is an answer, not an error. */
const ANY_CODE = Array.from({ length: 256 }, (_, i) => i);

/** The fields of `/proc/PID/stat` nsrecipe reads. */
export interface ProcStat {
  /** Field 3, `state`: e.g. `S` (sleeping), `R`, `Z` (zombie), `X` (dead). */
  state: string;
  /** Field 22, `starttime`: when the process started, in clock ticks after boot. */
  startTime: number;
}

/**
 * Parses one `/proc/PID/stat` line. The command name (field 2) is in
 * parentheses and may itself contain spaces and parentheses, so the fields
 * are counted from the last `)` (proc(5)).
 * @param text The file's content, e.g. `46 (sleep) S 1 46 … 12345 …`.
 * @returns The fields, or `undefined` when the text is not such a line.
 * @example
 * ```ts
 * parseProcStat("7 (a) b) S 1 7 7 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 4242 1 2");
 * // { state: "S", startTime: 4242 }
 * ```
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  // After ") ": field 3 (state) first, so field N is at index N - 3.
  const fields = text.slice(close + 2).trim().split(/\s+/);
  const startTime = Number(fields[22 - 3]);
  if (!fields[0] || !Number.isSafeInteger(startTime)) return undefined;
  return { state: fields[0], startTime };
}

/**
 * Reads a process's `/proc/PID/stat`.
 * @param run The process seam.
 * @param pid The PID, in this process's PID namespace.
 * @returns The fields, or `undefined` when there is no such process (or the PID is not a positive integer).
 * @throws {CommandError} When cat cannot be started.
 */
export async function readProcStat(run: Runner, pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const r = await run(["cat", `/proc/${pid}/stat`], { okCodes: ANY_CODE, timeoutMs: STAT_TIMEOUT_MS });
  return r.code === 0 ? parseProcStat(r.stdout) : undefined;
}

/**
 * What a process is now, and whether it is the one meant: `gone` when
 * `/proc/PID/stat` is missing, its state is zombie or dead, or, when
 * `startTime` is given, it started at another time (a PID given to another
 * process since is not it); `stopped` when its state is `T` (stopped by a
 * signal: SIGSTOP, a cgroup freezer) or `t` (stopped by a tracer); else `alive`.
 * @param run The process seam.
 * @param pid The PID, in this process's PID namespace.
 * @param startTime Its start time as recorded when it started (field 22); without it, the PID alone.
 * @returns The state.
 * @throws {CommandError} When cat cannot be started.
 */
export async function processState(
  run: Runner,
  pid: number,
  startTime?: number,
): Promise<"gone" | "stopped" | "alive"> {
  const stat = await readProcStat(run, pid);
  if (!stat || stat.state === "Z" || stat.state === "X" || stat.state === "x") return "gone";
  if (startTime !== undefined && stat.startTime !== startTime) return "gone";
  return stat.state === "T" || stat.state === "t" ? "stopped" : "alive";
}

/** Clock ticks per second of `/proc/PID/stat`'s times (`USER_HZ`, sysconf(_SC_CLK_TCK): 100 on Linux, proc(5)). */
const USER_HZ = 100;

/**
 * When a process started, as wall-clock time: its start time (field 22,
 * clock ticks after boot) set against `/proc/uptime` (seconds since boot,
 * proc(5)), both read by one cat(1). The clock is read after cat ends, so
 * the time found is never before the real start (it may be later by cat's
 * own run time, and by the 10 ms resolution of both files).
 * @param run The process seam.
 * @param pid The PID, in this process's PID namespace.
 * @returns Its start time in clock ticks after boot and in ms since the epoch; `undefined` when not readable.
 * @throws {CommandError} When cat cannot be started.
 */
export async function processStartedAt(
  run: Runner,
  pid: number,
): Promise<{ startTime: number; at: number } | undefined> {
  const r = await run(["cat", `/proc/${pid}/stat`, "/proc/uptime"], { okCodes: ANY_CODE, timeoutMs: STAT_TIMEOUT_MS });
  const now = Date.now();
  if (r.code !== 0) return undefined;
  const [statLine, uptimeLine] = r.stdout.trim().split("\n");
  const stat = parseProcStat(statLine ?? "");
  const uptime = Number(uptimeLine?.split(" ")[0]);
  if (!stat || !Number.isFinite(uptime)) return undefined;
  return { startTime: stat.startTime, at: Math.ceil(now - (uptime * 1000 - stat.startTime * (1000 / USER_HZ))) };
}
