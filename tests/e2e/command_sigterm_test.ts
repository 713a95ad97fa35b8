/**
 * P12: a SIGTERM to nsrecipe while `run … -- CMD` or `exec NAME -- CMD` runs ends the command: it is passed on to the
 * command (util-linux unshare blocks it, nsenter would die of it and leave the command running) and, as a command
 * that is PID 1 of its PID namespace ignores a signal it has no handler for, the command is killed (SIGKILL) if it has
 * not ended 10 s later. Then the run goes on as after any command's end: its exit code, `--rm`'s undo.
 */
import assert from "node:assert/strict";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { type Started, startNsrecipe } from "../support/side_by_side.ts";
import { waitFor } from "../support/wait.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { COMMAND_STOP_GRACE_MS, termLine } from "../../src/cli/command_stop.ts";

const PASSED =
  /^SIGTERM: passed on to the command \(pid \d+\); it is killed \(SIGKILL\) unless it ends within 10 s\.$/m;
const KILLED = termLine({ kind: "killed", graceMs: COMMAND_STOP_GRACE_MS });

/** The lab's processes as `[pid, args]`. */
async function processes(lab: TestLab): Promise<[string, string][]> {
  const ps = await lab.sh(["ps", "-eo", "pid=,args="]);
  return ps.stdout.split("\n").filter((l) => l.trim()).map((l) => {
    const [pid, ...args] = l.trim().split(/\s+/);
    return [pid, args.join(" ")];
  });
}

/**
 * Waits until the lab runs a process whose command line is exactly `command`, then sends SIGTERM to the nsrecipe
 * whose command line contains `nsrecipe`.
 */
async function termOnceRunning(lab: TestLab, command: string, nsrecipe: string): Promise<void> {
  await waitFor(`'${command}' to run`, async () => (await processes(lab)).some(([, args]) => args === command));
  const pid = (await processes(lab)).find(([, args]) => /main\.ts /.test(args) && args.includes(nsrecipe))?.[0];
  assert.ok(pid, `no nsrecipe '${nsrecipe}' among ${JSON.stringify(await processes(lab))}`);
  assert.equal((await lab.sh(["kill", "-TERM", pid])).code, 0);
}

/** Whether the lab's journal still has the run called `name` applied. */
async function applied(lab: TestLab, name: string): Promise<boolean> {
  const status = await lab.nsrecipe(["--json", "status"]);
  return JSON.parse(status.stdout).runs.some((r: { label: string }) => r.label === name);
}

Deno.test("P12: SIGTERM while 'run -- CMD' runs ends the command: passed on, killed 10 s later when ignored (sleep as PID 1), exit 137, --rm undoes; a command that handles it exits with its own code; 'timeout' ends a run; exec's command is ended too", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["undo"])).code, 0, "creates the state directory");
    const before = await lab.snapshot();
    // exec enters the PID namespace a run's command holds (nsenter): its command is not PID 1 there.
    const holder = startNsrecipe(lab, ["run", "netns", "--name", "s4", "--", "sleep", "304"]);
    await waitFor("'sleep 304' to run", async () => (await processes(lab)).some(([, a]) => a === "sleep 304"));

    const ignoring = startNsrecipe(lab, ["run", "netns", "--name", "s1", "--rm", "--", "sleep", "301"]);
    const handling = startNsrecipe(lab, [
      "--json",
      "run",
      "netns",
      "--name",
      "s2",
      "--",
      "sh",
      "-c",
      "trap 'exit 7' TERM; sleep 302 & wait",
    ]);
    // The reported case: timeout(1) sends SIGTERM (to nsrecipe and its process group), and waits for it to end.
    const timedOut = lab.sh([
      "timeout",
      "15",
      ...selfArgv(),
      "run",
      "netns",
      "--name",
      "s3",
      "--rm",
      "--",
      "sleep",
      "303",
    ]);
    const exec = startNsrecipe(lab, ["exec", "s4", "--", "sleep", "305"]);
    await Promise.all([
      termOnceRunning(lab, "sleep 301", "--name s1"),
      termOnceRunning(lab, "sleep 302", "--name s2"),
      termOnceRunning(lab, "sleep 305", "exec s4"),
    ]);

    const check = async (run: Started, code: number, killed: boolean) => {
      const end = await run.done;
      const stderr = run.stderr();
      assert.equal(end.code, code, stderr);
      assert.match(stderr, PASSED);
      assert.equal(stderr.includes(KILLED), killed, stderr);
      return end.stdout;
    };
    // sleep, PID 1 of its PID namespace, ignores SIGTERM: killed; --rm then undoes the run.
    await check(ignoring, 137, true);
    assert.equal(await applied(lab, "s1"), false, "--rm undid s1");
    // The shell's trap ends it with its own code, at once; the JSON document says so; the run stays applied.
    const doc = JSON.parse(await check(handling, 7, false));
    assert.deepEqual(doc.command, { argv: ["sh", "-c", "trap 'exit 7' TERM; sleep 302 & wait"], exitCode: 7 });
    assert.equal(doc.exitCode, 7);
    assert.equal(await applied(lab, "s2"), true);
    // exec's sleep is not PID 1 of the run's PID namespace: SIGTERM's default action ends it (128 + 15).
    await check(exec, 143, false);
    const left = (await processes(lab)).map(([, a]) => a);
    assert.ok(!left.includes("sleep 305"), `exec's command left running: ${left.join("; ")}`);
    assert.ok(left.includes("sleep 304"), "the run's own command, which holds its PID namespace, is left alone");
    const t = await timedOut;
    assert.equal(t.code, 124, `timeout's own code for a command it timed out: ${t.stderr}`);
    assert.match(t.stderr, PASSED);
    assert.ok(t.stderr.includes(KILLED), t.stderr);
    assert.match(t.stderr, /Undone run \S+ \(--rm\)\./);
    assert.equal(await applied(lab, "s3"), false, "--rm undid s3");
    for (const name of ["s2", "s4"]) assert.equal((await lab.nsrecipe(["undo", name])).code, 0);
    assert.equal(
      (await holder.done).code,
      137,
      "undo of s4 ended its command (SIGTERM ignored by PID 1, then SIGKILL)",
    );
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
  });
});
