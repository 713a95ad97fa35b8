/**
 * Several reads in a lab started by one process: one `nsenter … sh -c
 * SCRIPT` runs the commands one after another, each with its stdin, stdout,
 * stderr and exit code in files of a temporary folder under the host's
 * `/tmp` (the lab shares the host's `/tmp`; its `/run` is its own, and a
 * file there would make a shared lab look used, `shared_lab.ts`). A test
 * snapshot asks for six reads; through `nsenter` one by one each costs a
 * start of nsenter from the test process beside the command's own.
 *
 * {@link replayRunner} answers a `Runner`'s calls from such results, so that
 * code written against the seam (`takeSnapshot`) runs unchanged.
 *
 * @module
 */
import { CommandError } from "../../src/errors.ts";
import type { ExecResult, Runner } from "../../src/exec/mod.ts";
import { hintFor } from "../../src/exec/hints.ts";
import { shellQuote } from "../../src/quote.ts";

/** A command as a `Runner` is asked to run it. */
export interface Read {
  /** Program and arguments. */
  argv: readonly string[];
  /** Text for its stdin; none: stdin is `/dev/null`. */
  stdin?: string;
}

/**
 * The key of a read: its argv and its stdin.
 * @param argv Program and arguments.
 * @param stdin Its stdin text, if any.
 * @returns A string equal for equal reads.
 */
export function readKey(argv: readonly string[], stdin?: string): string {
  return JSON.stringify([argv, stdin ?? null]);
}

/**
 * The script that runs the reads in order, read `i`'s files in `dir`: `i.in`
 * (its stdin, when it has one), `i.out`, `i.err`, `i.rc` (its exit code, as
 * sh's `$?`: 128 + N for a signal). Pure.
 * @param reads The reads.
 * @param dir An absolute folder path of plain characters (a temporary folder's).
 * @returns The script's text, one line a read.
 */
export function oneShellScript(reads: readonly Read[], dir: string): string {
  return reads.map((r, i) => {
    const input = r.stdin === undefined ? "/dev/null" : `${dir}/${i}.in`;
    return `${shellQuote(r.argv)} <${input} >${dir}/${i}.out 2>${dir}/${i}.err; echo $? >${dir}/${i}.rc`;
  }).join("\n");
}

/**
 * Runs the reads with one process started from here: `enter` (e.g. `nsenter
 * --target PID --net --mount --`) then `sh -c` {@link oneShellScript}.
 * @param enter The prefix that enters the lab.
 * @param reads The reads.
 * @param under Where the temporary folder is made; default the system's (`/tmp`, which the lab shares).
 * @returns Each read's result, in order (stderr trimmed, as the runner's; `durationMs` the shell's whole run).
 * @throws {Error} When the shell itself fails (a read's own failure is its result's `code`).
 */
export async function runInOneShell(
  enter: readonly string[],
  reads: readonly Read[],
  under?: string,
): Promise<ExecResult[]> {
  const dir = await Deno.makeTempDir({ prefix: "nsrecipe-reads-", ...(under === undefined ? {} : { dir: under }) });
  try {
    await Promise.all(
      reads.map((r, i) => r.stdin === undefined ? undefined : Deno.writeTextFile(`${dir}/${i}.in`, r.stdin)),
    );
    const [program, ...args] = [...enter, "sh", "-c", oneShellScript(reads, dir)];
    const started = performance.now();
    const out = await new Deno.Command(program, { args, stdin: "null", stdout: "piped", stderr: "piped" }).output();
    const durationMs = Math.round(performance.now() - started);
    if (!out.success) {
      throw new Error(`the lab's shell of reads failed (exit ${out.code}): ${new TextDecoder().decode(out.stderr)}`);
    }
    return await Promise.all(reads.map(async (r, i) => ({
      argv: r.argv,
      code: Number((await Deno.readTextFile(`${dir}/${i}.rc`)).trim()),
      stdout: await Deno.readTextFile(`${dir}/${i}.out`),
      stderr: (await Deno.readTextFile(`${dir}/${i}.err`)).trim(),
      durationMs,
    })));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A `Runner` that answers each call from `results` (each result once, by
 * {@link readKey}), exit codes checked as the real runner checks them
 * (`CommandError` outside `okCodes`), and runs any other call with
 * `fallback`.
 * @param reads The reads run.
 * @param results Their results, in the same order.
 * @param fallback The runner for a call no result answers.
 * @returns The runner.
 */
export function replayRunner(reads: readonly Read[], results: readonly ExecResult[], fallback: Runner): Runner {
  const answers = new Map<string, ExecResult[]>();
  reads.forEach((r, i) => {
    const key = readKey(r.argv, r.stdin);
    answers.set(key, [...answers.get(key) ?? [], results[i]]);
  });
  return (argv, opts = {}) => {
    const result = answers.get(readKey(argv, opts.stdin))?.shift();
    if (result === undefined) return fallback(argv, opts);
    if (!(opts.okCodes ?? [0]).includes(result.code)) {
      return Promise.reject(new CommandError(argv, result.code, result.stderr, hintFor(argv, result.stderr)));
    }
    return Promise.resolve(result);
  };
}
