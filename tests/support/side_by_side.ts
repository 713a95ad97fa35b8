/**
 * Tests of nsrecipe processes side by side in a lab: a lock file held by another process, and an nsrecipe whose
 * stderr can be read while it runs.
 *
 * @module
 */
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "./lab.ts";

/** A lock file held inside a lab by flock(1). */
export interface HeldLock {
  /** Lets the lock go and waits for its holder to end; again, it does nothing. */
  release(): Promise<void>;
}

/**
 * Takes a lock file inside the lab with flock(1) (the lock nsrecipe takes with flock(2)) and holds it until
 * {@link HeldLock.release}.
 * @param lab The lab.
 * @param path The lock file, e.g. `/run/nsrecipe/lock`.
 * @returns Once the lock is held, its handle.
 * @throws {Error} When flock(1) does not say it holds the lock.
 */
export async function holdLock(lab: TestLab, path: string): Promise<HeldLock> {
  const [program, ...args] = [...lab.enter, "flock", path, "sh", "-c", "echo locked; cat"];
  const holder = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "null" }).spawn();
  const input = holder.stdin.getWriter();
  const output = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const release = async () => {
    await input.close().catch(() => {});
    await output.cancel().catch(() => {});
    await holder.status;
  };
  const first = (await output.read()).value;
  if (first !== "locked\n") {
    await release();
    throw new Error(`flock ${path} did not take the lock: ${JSON.stringify(first)}`);
  }
  return { release };
}

/** An nsrecipe started in a lab, still running. */
export interface Started {
  /** What it has printed on stderr so far. */
  stderr(): string;
  /** Its exit code and whole stdout, once it has ended. */
  done: Promise<{ code: number; stdout: string }>;
}

/**
 * Starts `nsrecipe ARGS` in the lab (stdin from /dev/null) without waiting for it, its stderr readable while it runs.
 * @param lab The lab.
 * @param args nsrecipe's arguments, e.g. `["run", "netns", "--name", "w1"]`.
 * @returns The running process's view.
 */
export function startNsrecipe(lab: TestLab, args: string[]): Started {
  const [program, ...rest] = [...lab.enter, ...selfArgv(), ...args];
  const child = new Deno.Command(program, { args: rest, stdin: "null", stdout: "piped", stderr: "piped" }).spawn();
  let stderr = "";
  const reading = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr += chunk) }),
  );
  const stdout = new Response(child.stdout).text();
  return {
    stderr: () => stderr,
    done: Promise.all([child.status, stdout, reading]).then(([status, out]) => ({ code: status.code, stdout: out })),
  };
}
