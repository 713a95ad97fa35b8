/**
 * Test harness: a lab that stays up across several commands. The lab is the
 * one `nsrecipe lab` builds (the same unshare(1) namespaces, `LAB_UNSHARE`;
 * the same commands, `labBuildCommands`, then `finishLab`), with a PID 1 that
 * costs no Deno start: `sh` runs the lab's commands as one script, prints
 * `ready` and execs `cat`, which holds the lab until its stdin closes (what
 * `nsrecipe __lab-init --hold` did, for a Deno start and one process per
 * command; `nsrecipe lab` itself keeps its own PID 1, tested in
 * `lab_test.ts`). Each command then enters the lab's network, mount and PID
 * namespaces with nsenter(1). Closing stdin ends the lab's PID 1, and with
 * it every process, namespace and link inside. Unlike `nsrecipe lab`'s
 * (a reaper shell, `LAB_REAPER`, M8), this PID 1 does not reap the orphans
 * it inherits.
 *
 * @module
 */
import { denoSpawn, type ExecResult, processes, type Runner } from "../../src/exec/mod.ts";
import { diffSnapshots, type Snapshot, takeSnapshot } from "../../src/host/mod.ts";
import {
  checkLabSpec,
  DEFAULT_LAB,
  finishLab,
  LAB_UNSHARE,
  labArgv,
  labBuildCommands,
  type LabSpec,
  selfArgv,
} from "../../src/lab/mod.ts";
import { shellQuote } from "../../src/quote.ts";
import { grepLinkSysctls } from "./link_sysctls.ts";
import { type Read, replayRunner, runInOneShell } from "./one_shell.ts";

const ALL_CODES = Array.from({ length: 256 }, (_, i) => i);

/** The harness's own runner: nsrecipe's, with every command in the test process's session. */
const harnessRun: Runner = processes({ spawn: (argv, stdio, stdin) => denoSpawn(argv, stdio, stdin, false) }).run;

/** A process of a lab, as {@link TestLab.orphans} reads it. */
export interface LabProcess {
  /** Its PID in the host's PID namespace. */
  hostPid: number;
  /** Its PID in the lab's PID namespace (what `kill` inside the lab takes). */
  labPid: number;
  /** Its state letter (proc(5) `stat` field 3), e.g. `S`, `T`, `Z`. */
  state: string;
  /** Its command line (empty for a zombie). */
  argv: string[];
}

/** A running lab. Always `await lab.stop()` in `finally` (or use {@link withLab}). */
export class TestLab {
  private constructor(
    private readonly child: Deno.ChildProcess,
    private readonly stdin: WritableStreamDefaultWriter<Uint8Array>,
    /** Host PID of the lab's PID 1. */
    readonly pid: number,
    /** The lab's spec. */
    readonly spec: LabSpec,
  ) {}

  /**
   * Starts a lab and waits until it is built.
   * @param spec Overrides of the default lab.
   * @param pid1 Who is the lab's PID 1 and builds it: `sh` (the harness's,
   *   see the module doc) or `nsrecipe` (`nsrecipe __lab-init --hold`, as
   *   `nsrecipe lab` starts it: to compare the two).
   * @returns The lab.
   * @throws {Error} When the lab does not come up.
   */
  static async start(spec: Partial<LabSpec> = {}, pid1: "sh" | "nsrecipe" = "sh"): Promise<TestLab> {
    const full = checkLabSpec({ ...DEFAULT_LAB, ...spec });
    const [program, ...args] = pid1 === "sh" ? [...LAB_UNSHARE, "sh", "-c", pid1Script(full)] : labArgv(full, [], true);
    const child = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "inherit" }).spawn();
    const stdin = child.stdin.getWriter();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let seen = "";
      while (!seen.includes("ready\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the lab did not start: ${seen}`);
        seen += value;
      }
      reader.releaseLock();
      const children = (await Deno.readTextFile(`/proc/${child.pid}/task/${child.pid}/children`)).trim();
      const pid = Number(children.split(/\s+/)[0]);
      if (!pid) throw new Error(`the lab's PID 1 was not found (unshare pid ${child.pid})`);
      const lab = new TestLab(child, stdin, pid, full);
      if (pid1 === "sh") await finishLab(full, lab.runner);
      return lab;
    } catch (e) {
      await stdin.close().catch(() => {});
      child.kill("SIGKILL");
      await child.status;
      throw e;
    }
  }

  /** nsenter prefix that enters the lab. */
  get enter(): string[] {
    return ["nsenter", "--target", String(this.pid), "--net", "--mount", "--pid", "--"];
  }

  /**
   * A runner whose commands run in the lab's network and mount namespaces
   * but not its PID namespace, for reads that start nothing of the lab's own
   * (a snapshot's `ip`, `nft`, `grep`): entering a PID namespace affects only
   * the children of the caller (setns(2), pid_namespaces(7)), so `nsenter
   * --pid` forks the command and waits for it, where without it nsenter
   * execs the command itself (about 1 ms of CPU less a command, measured
   * through 120 `ip rule` reads each way). Exit codes as {@link TestLab.runner}.
   */
  get reader(): Runner {
    return (argv, opts = {}) => harnessRun([...this.enterReads, ...argv], opts);
  }

  /** The nsenter prefix of {@link TestLab.reader}: the lab's network and mount namespaces. */
  get enterReads(): string[] {
    return ["nsenter", "--target", String(this.pid), "--net", "--mount", "--"];
  }

  /**
   * A runner whose commands run inside the lab (exit codes are not checked
   * unless `okCodes` is given). Its commands stay in the test process's
   * session: one of their own (what nsrecipe gives its own commands) makes
   * Deno fork the whole test process for each, whose page tables grow with
   * the parallel test files' memory (`denoSpawn`'s `ownSession`).
   */
  get runner(): Runner {
    return (argv, opts = {}) => harnessRun([...this.enter, ...argv], opts);
  }

  /**
   * Runs a command inside the lab.
   * @param argv The command.
   * @param stdin Text for its stdin.
   * @returns The result, whatever the exit code.
   */
  sh(argv: string[], stdin?: string): Promise<ExecResult> {
    return this.runner(argv, { okCodes: ALL_CODES, stdin });
  }

  /**
   * Runs nsrecipe inside the lab, from source with the binary's permission set.
   * @param args nsrecipe arguments.
   * @param env Extra environment (e.g. the fault hook), passed through `env`.
   * @returns The result, whatever the exit code.
   */
  nsrecipe(args: string[], env: Record<string, string> = {}): Promise<ExecResult> {
    const envArgv = Object.keys(env).length ? ["env", ...Object.entries(env).map(([k, v]) => `${k}=${v}`)] : [];
    return this.sh([...envArgv, ...selfArgv(), ...args]);
  }

  /**
   * Starts a long-lived command inside the lab (e.g. a process left inside a netns).
   * @param argv The command.
   * @returns The child (its PID is nsenter's, in the host's PID namespace).
   */
  spawn(argv: string[]): Deno.ChildProcess {
    const [program, ...args] = [...this.enter, ...argv];
    return new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  }

  /**
   * Where the host sees a path of the lab's own filesystem: through the
   * root of the lab's PID 1 (`/proc/PID/root`, proc(5)), which shows the
   * lab's mount namespace (its private `/run`). Reading a lab file this way
   * costs no process.
   * @param path An absolute path inside the lab, e.g. `/run/nsrecipe/journal.jsonl`.
   * @returns The host path.
   */
  file(path: string): string {
    return `/proc/${this.pid}/root${path}`;
  }

  /**
   * Reads a text file of the lab (see {@link TestLab.file}).
   * @param path An absolute path inside the lab.
   * @returns Its text, or `undefined` when it does not exist.
   */
  async readFile(path: string): Promise<string | undefined> {
    try {
      return await Deno.readTextFile(this.file(path));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  }

  /**
   * The processes whose parent is the lab's PID 1: the orphans of the lab,
   * re-parented to it (pid_namespaces(7)), zombies included (it does not
   * reap them). Read from the host's procfs, each child's `/proc/PID/stat`
   * (state), `cmdline` and `status` (`NSpid`: its PID in each namespace,
   * the lab's last); a process that ends while it is read is left out.
   * @returns The processes, in the order the kernel lists them.
   */
  async orphans(): Promise<LabProcess[]> {
    const pids: number[] = [];
    for await (const task of Deno.readDir(`/proc/${this.pid}/task`)) {
      const children = await Deno.readTextFile(`/proc/${this.pid}/task/${task.name}/children`).catch(() => "");
      pids.push(...children.split(/\s+/).filter(Boolean).map(Number));
    }
    const found = await Promise.all(pids.map(async (hostPid): Promise<LabProcess | undefined> => {
      try {
        const [stat, cmdline, status] = await Promise.all(
          ["stat", "cmdline", "status"].map((f) => Deno.readTextFile(`/proc/${hostPid}/${f}`)),
        );
        const nspid = status.match(/^NSpid:\s*(.*)$/m)?.[1].trim().split(/\s+/) ?? [];
        return {
          hostPid,
          labPid: Number(nspid.at(-1)),
          // Field 3, after the command name in parentheses (which may hold spaces and parentheses), proc(5).
          state: stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0],
          argv: cmdline.split("\0").slice(0, -1),
        };
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return undefined;
        throw e;
      }
    }));
    return found.filter((p): p is LabProcess => p !== undefined);
  }

  /**
   * Snapshot of the lab host (or of a netns inside it): `takeSnapshot`'s,
   * its per-interface settings read by one grep ({@link grepLinkSysctls},
   * proven equal to nsrecipe's sysctl reads), through {@link TestLab.reader}.
   * The first snapshot of a lab (per netns) runs its reads one by one and
   * records them; each later one runs the same reads, fresh, in one shell
   * started by one nsenter ({@link runInOneShell}) and hands takeSnapshot
   * their results ({@link replayRunner}); a read it asks beyond them (e.g.
   * one by one after a failed batch) runs on its own.
   * @param netns A named netns inside the lab.
   */
  async snapshot(netns?: string): Promise<Snapshot> {
    const key = netns ?? "";
    const reads = this.snapshotReads.get(key);
    if (reads === undefined) {
      // The first snapshot of this lab (and netns) runs its reads one by one and records which they are.
      const asked: Read[] = [];
      const recording: Runner = (argv, opts = {}) => {
        asked.push({ argv, ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }) });
        return this.reader(argv, opts);
      };
      const snapshot = await takeSnapshot(recording, netns, grepLinkSysctls);
      this.snapshotReads.set(key, asked);
      return snapshot;
    }
    this.replayedSnapshots++;
    const results = await runInOneShell(this.enterReads, reads);
    return await takeSnapshot(replayRunner(reads, results, this.reader), netns, grepLinkSysctls);
  }

  /** How many snapshots ran their reads in one shell (for the test that proves them fresh). */
  replayedSnapshots = 0;

  /** The reads each snapshot takes, by netns (`""`: the lab host), recorded by the first (see {@link TestLab.snapshot}). */
  private readonly snapshotReads = new Map<string, Read[]>();

  /**
   * Kills the lab's PID 1 (SIGKILL): the kernel then kills every process in
   * the lab's PID namespace (pid_namespaces(7)), so whatever a test awaits of
   * them ends. A lab already gone is no error. {@link TestLab.stop} still
   * waits for it.
   */
  kill(): void {
    try {
      Deno.kill(this.pid, "SIGKILL");
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }

  /** Ends the lab: PID 1 exits and the kernel ends everything inside. */
  async stop(): Promise<void> {
    await this.stdin.close().catch(() => {});
    await this.child.status;
  }
}

/**
 * The script the test lab's PID 1 runs (`sh -c`): the lab's commands
 * ({@link labBuildCommands}) one after another, stopping at the first that
 * fails (`set -e`; its own message goes to stderr), their output on stderr
 * and their stdin empty, or an `ip -batch -`'s lines as a here-document;
 * then `ready` on stdout and `exec cat`, which reads the script's own stdin
 * until it closes.
 * @param spec The lab, checked.
 * @returns The script's text.
 */
export function pid1Script(spec: LabSpec): string {
  return [
    "set -e",
    "exec 3>&1 4<&0 1>&2 </dev/null",
    ...labBuildCommands(spec).map(({ argv, stdin }) =>
      // A batch line is plain words (batchLine), never the delimiter alone.
      stdin === undefined ? shellQuote(argv) : `${shellQuote(argv)} <<'${HEREDOC_END}'\n${stdin}${HEREDOC_END}`
    ),
    "echo ready >&3",
    "exec cat <&4 4<&- 3>&- >/dev/null",
  ].join("\n");
}

/** The here-document delimiter of {@link pid1Script}'s batches. */
const HEREDOC_END = "NSRECIPE_LAB_BATCH";

/**
 * The longest a test may use one lab, in ms: a bound against a hang, not a
 * speed target (the slowest lab test takes about a minute on a loaded 2-core
 * machine). A test that hangs (a process in the lab waiting for input that
 * never comes) would otherwise hold the whole suite until CI's limit.
 */
export const LAB_USE_BOUND_MS = 600_000;

/**
 * Runs `fn` with `lab`, bounded: when `fn` has not ended within `boundMs`,
 * the lab is killed ({@link TestLab.kill}), which ends every process `fn`
 * may await, and this throws.
 * @param lab The lab (stopping it stays the caller's).
 * @param fn The test body.
 * @param boundMs The bound in ms.
 * @returns What `fn` returns.
 * @throws {Error} "… did not end within N s …" when the bound passes first; whatever `fn` throws.
 */
export async function boundedUse<T>(
  lab: TestLab,
  fn: (lab: TestLab) => Promise<T>,
  boundMs = LAB_USE_BOUND_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      lab.kill();
      reject(
        new Error(
          `the test did not end within ${boundMs / 1000} s of using its lab; the lab was killed (every process in ` +
            `it) so that the suite goes on: look for a process in the lab that waits for input or for another`,
        ),
      );
    }, boundMs);
  });
  try {
    return await Promise.race([fn(lab), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs a function with a fresh lab, bounded ({@link boundedUse}), and always stops it.
 * @param fn The test body.
 * @param spec Lab overrides.
 * @returns What `fn` returns.
 * @throws {Error} When `fn` has not ended within {@link LAB_USE_BOUND_MS}; whatever `fn` throws.
 */
export async function withLab<T>(fn: (lab: TestLab) => Promise<T>, spec: Partial<LabSpec> = {}): Promise<T> {
  const lab = await TestLab.start(spec);
  try {
    return await boundedUse(lab, fn);
  } finally {
    await lab.stop();
  }
}

/**
 * Formats the difference of two snapshots for an assertion message.
 * @param a Before.
 * @param b After.
 * @returns Lines, or "" when equal.
 */
export function snapshotDiff(a: Snapshot, b: Snapshot): string {
  return diffSnapshots(a, b).join("\n");
}
