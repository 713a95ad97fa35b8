/**
 * The processes of a lab's namespaces, as the end-to-end tests of undo read
 * them (`undo_own_test.ts`, `undo_own_processes_test.ts`), and the end of a
 * process a test spawned in the lab.
 *
 * @module
 */
import type { TestLab } from "./lab.ts";

/**
 * PIDs inside a named namespace (as `ip netns pids` lists them).
 * @param lab The lab.
 * @param name The namespace.
 * @returns PIDs in the lab's PID namespace; `[]` when none (or no such namespace).
 */
export async function netnsPids(lab: TestLab, name: string): Promise<string[]> {
  return (await lab.sh(["ip", "netns", "pids", name])).stdout.split(/\s+/).filter(Boolean);
}

/**
 * Ends a process started with `lab.spawn` (it may have ended already) and waits for it.
 * @param child The process (nsenter, whose child is the command).
 * @param ended Its output promise, awaited once it is killed.
 */
export async function stopSpawned(child: Deno.ChildProcess, ended: Promise<unknown>): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch (e) {
    if (!(e instanceof TypeError)) throw e; // already ended
  }
  await ended;
}

/**
 * PIDs of the lab's processes whose network namespace is `net:[INODE]` (named or not).
 * @param lab The lab.
 * @param inode The namespace as readlink(1) shows `/proc/PID/ns/net`, e.g. `net:[4026532281]`.
 * @returns PIDs in the lab's PID namespace.
 */
export async function pidsInNamespace(lab: TestLab, inode: string): Promise<string[]> {
  const script = 'for p in /proc/[0-9]*; do [ "$(readlink "$p/ns/net" 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"; ' +
    "done; true";
  return (await lab.sh(["sh", "-c", script, "sh", inode])).stdout.split(/\s+/).filter(Boolean);
}
