/**
 * A Ctrl-C (or a SIGTERM, SIGHUP) sent to `run`'s whole process group while one of its reads before the first change
 * is in flight: those reads share nsrecipe's session (src/cli/early_reads.ts), so the signal ends the read as well as
 * reaching nsrecipe. The run must still end as any run stopped before its first step: "Interrupted by SIGNAL before
 * the run began: nothing was changed" (exit 4; with `--json`, its document), never as a failed read or a refusal, the
 * host and the journal as before.
 *
 * The read is held by a wrapper of `ip` (or `unshare`) first in PATH: it waits, at its first call with the given
 * arguments, until the test has sent the signal and released it, then runs the real program. A wrapper in nsrecipe's
 * process group dies of the signal (the read fails); one in a session of its own would run on and succeed.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";

const HOLD = "/run/held-reads";

/** The hint under the message (InterruptedError's, for a run that had not begun): the interrupted run's plan line. */
const AGAIN = "Run the recipe again when ready ('nsrecipe plan netns --name r1' shows its steps).";

/**
 * Puts a wrapper of `program` in {@link HOLD}/bin that holds its first call whose arguments start with `args`.
 * @returns The PATH that finds it first.
 */
async function holdingWrapper(lab: TestLab, program: string, args: string): Promise<string> {
  const real = (await lab.sh(["which", program])).stdout.trim();
  assert.ok(real.startsWith("/"), `${program} in the lab: ${real}`);
  const script = `#!/bin/sh
case "$*" in
"${args}"*)
  if mkdir ${HOLD}/held 2>/dev/null; then
    echo $PPID > ${HOLD}/held/parent
    while [ ! -e ${HOLD}/go ]; do sleep 0.02; done
  fi ;;
esac
exec ${real} "$@"
`;
  const made = await lab.sh([
    "sh",
    "-c",
    `mkdir -p ${HOLD}/bin && cat > ${HOLD}/bin/${program} && chmod 755 ${HOLD}/bin/${program}`,
  ], script);
  assert.equal(made.code, 0, made.stderr);
  return `${HOLD}/bin:${(await lab.sh(["sh", "-c", "echo $PATH"])).stdout.trim()}`;
}

const CASES: { signal: Deno.Signal; json: boolean; program: string; args: string; what: string }[] = [
  { signal: "SIGINT", json: false, program: "ip", args: "-V", what: "ip -V (doctor's version check)" },
  {
    signal: "SIGTERM",
    json: true,
    program: "unshare",
    args: "--version",
    what: "unshare --version (doctor's version check)",
  },
  {
    signal: "SIGINT",
    json: true,
    program: "test",
    args: "( ( -f",
    what: "test(1)'s check that unshare and the command can be started (its failure would refuse the run)",
  },
  {
    signal: "SIGHUP",
    json: false,
    program: "ip",
    args: "-json -details -batch -",
    what: "the look at the host's links, addresses and routes",
  },
];

for (const { signal, json, program, args, what } of CASES) {
  Deno.test(`run: ${signal} to the process group while ${what} is in flight, before the first change: exit 4, 'Interrupted by ${signal} before the run began', host and journal as before`, async () => {
    await withLab(async (lab) => {
      // A journal with a run in it (applied and undone): the interrupted run must leave it as it is.
      assert.equal((await lab.nsrecipe(["run", "netns", "--name", "r0", "--", "true"])).code, 0);
      assert.equal((await lab.nsrecipe(["undo"])).code, 0);
      const journal = await lab.readFile("/run/nsrecipe/journal.jsonl");
      assert.ok(journal?.includes('"run-end"'), journal);
      const path = await holdingWrapper(lab, program, args);
      const before = await lab.snapshot();
      const argv = [...(json ? ["--json"] : []), "run", "netns", "--name", "r1", "--", "true"];
      // setsid(1): nsrecipe leads a process group of its own, as a shell's job does, for the signal to be sent to.
      const child = lab.spawn(["env", `PATH=${path}`, "setsid", "-w", ...selfArgv(), ...argv]);
      try {
        await waitFor(`${program} ${args} to be held`, async () => {
          const parent = await lab.readFile(`${HOLD}/held/parent`);
          return parent !== undefined && parent.trim() !== "";
        }, 60_000);
        const nsrecipe = (await lab.readFile(`${HOLD}/held/parent`))!.trim();
        const group = (await lab.sh(["ps", "-o", "pgid=", "-p", nsrecipe])).stdout.trim();
        assert.equal(group, nsrecipe, "nsrecipe leads its process group");
        const sent = await lab.sh(["kill", `-${signal.replace(/^SIG/, "")}`, "--", `-${group}`]);
        assert.equal(sent.code, 0, sent.stderr);
        assert.equal((await lab.sh(["touch", `${HOLD}/go`])).code, 0);
        const out = await child.output();
        const stderr = new TextDecoder().decode(out.stderr);
        const stdout = new TextDecoder().decode(out.stdout);
        const message = `Interrupted by ${signal} before the run began: nothing was changed`;
        assert.equal(out.code, EXIT.rolledBack, stderr);
        // Its one line: no warning, note or refusal made of the read the signal ended.
        assert.equal(stderr, `nsrecipe: ${message}\n  ${AGAIN}\n`);
        if (json) {
          const doc = JSON.parse(stdout);
          assert.equal(doc.ok, false);
          assert.equal(doc.exitCode, EXIT.rolledBack);
          assert.equal(doc.error.kind, "InterruptedError");
          assert.equal(doc.error.message, message);
        } else {
          assert.equal(stdout, "");
        }
      } finally {
        try {
          child.kill("SIGKILL");
        } catch {
          // it has ended
        }
        await child.status;
      }
      assert.equal(await lab.readFile("/run/nsrecipe/journal.jsonl"), journal, "the journal is untouched");
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
    });
  });
}
