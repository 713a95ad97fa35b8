import assert from "node:assert/strict";
import { assertRolledBackOnSignal, interruptAt, records } from "../support/interrupt.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { TtySession } from "../support/tty.ts";
import { waitFor } from "../support/wait.ts";

// N18 for full-migrate (20 steps; the uplink switch is steps 9-15: enslave eth0, move the default routes, remove
// eth0's addresses; steps 3-17, from the veth pair to the veth's port up, run as one ip -batch): a signal while it
// applies finishes the step (or batch) in flight, rolls back every step done, exit 4, the host as before, and the LAN
// answers through the uplink again.

const MIGRATE = ["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24"];

/** The host as before, and the LAN host answering through the uplink. */
async function assertHostAsBefore(lab: TestLab, before: Awaited<ReturnType<TestLab["snapshot"]>>) {
  const after = await lab.snapshot();
  assert.deepEqual(after, before, snapshotDiff(before, after));
  const ping = await lab.sh(["ping", "-c", "3", "-i", "0.2", "-W", "2", "198.51.100.20"]);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
}

const CASES: { signal: Deno.Signal; at: string; done: number; when: string; args: string[] }[] = [
  { signal: "SIGTERM", at: "after-command:0", done: 1, when: "during step 1", args: ["--no-confirm"] },
  // Steps 3-17 (the veth, the bridge and its addresses, enslaving the uplink, moving its routes and addresses, the
  // veth's port) run as one ip -batch: the batch in flight is finished, then rolled back with the steps before it.
  {
    signal: "SIGINT",
    at: "step:8",
    done: 17,
    when: "as the uplink is enslaved (step 9, in the switch's batch)",
    args: ["--no-confirm"],
  },
  // Step 11 removes the IPv4 default route: held there (after the batch's lines ran, before its check), the host has
  // none. The confirmation window's watchdog runs.
  {
    signal: "SIGTERM",
    at: "after-command:10",
    done: 17,
    when: "with no IPv4 default route (step 11, batched)",
    args: [],
  },
  { signal: "SIGINT", at: "after-command:14", done: 17, when: "at the switch's last step (15, batched)", args: [] },
];

for (const { signal, at, done, when, args } of CASES) {
  Deno.test(`full-migrate: ${signal} ${when} finishes that step, rolls back all ${done}, exit 4, the host as before`, async () => {
    await withLab(async (lab) => {
      const before = await lab.snapshot();
      const r = await interruptAt(lab, [...MIGRATE, ...args, "--", "true"], [{ at, signals: [signal] }]);
      assertRolledBackOnSignal(r, r.stderr, signal, done, 20);
      await assertHostAsBefore(lab, before);
    });
  });
}

Deno.test("full-migrate on a TTY: Ctrl-C while the uplink is enslaved lets that 'ip' finish, then rolls back (exit 4)", async () => {
  await withLab(async (lab) => {
    // Ctrl-C signals the terminal's whole foreground process group; the held 'ip' is not in it.
    const env = await holdEnslaving(lab);
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--", "true"], env);
    let r: { code: number; output: string };
    try {
      await waitForFile(lab, "/run/held");
      await tty.type("\x03");
      await tty.shows("Interrupted (SIGINT): rolling back run", "nsrecipe to take the Ctrl-C");
    } finally {
      await lab.sh(["touch", "/run/go"]);
      r = await tty.finish();
    }
    const recs = await records(lab);
    const run = recs.find((x) => x.kind === "run-begin")!.run;
    const steps = (kind: string) => recs.filter((x) => x.kind === kind).map((x) => x.index!);
    assertRolledBackOnSignal(
      { code: r.code, run, steps, ends: recs.filter((x) => x.kind === "run-end").map((x) => x.state!) },
      r.output,
      "SIGINT",
      17,
      20,
    );
    await assertHostAsBefore(lab, before);
  });
});

/**
 * Puts an 'ip' in front of the real one that holds the enslaving of eth0 (step 9, a line of the `ip -batch -` of steps
 * 3-17) until /run/go exists (at most 60 s), having created /run/held: a signal sent meanwhile lands while that batch
 * runs.
 * @returns The environment that makes nsrecipe use it.
 */
async function holdEnslaving(lab: TestLab): Promise<Record<string, string>> {
  const real = (await lab.sh(["sh", "-c", "command -v ip"])).stdout.trim();
  assert.ok(real.startsWith("/"), `ip is at ${real}`);
  // Enslaving the uplink is a line of the switch's `ip -batch -` (steps 3-17): the wrapper reads the batch, holds it
  // when it has that line, then hands it to the real ip.
  const wrapper = `#!/bin/sh
case " $* " in *" -batch - "*) cat > /run/batch.$$
  if grep -q "dev eth0 master br0" /run/batch.$$; then : > /run/held; n=0
    while [ ! -e /run/go ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done; fi
  exec ${real} "$@" < /run/batch.$$;; esac
exec ${real} "$@"
`;
  await lab.sh(["sh", "-c", "mkdir -p /run/fakebin && cat > /run/fakebin/ip && chmod +x /run/fakebin/ip"], wrapper);
  return { PATH: `/run/fakebin:${Deno.env.get("PATH")}` };
}

Deno.test("full-migrate on a TTY whose session is lost (hangup) while the uplink is enslaved: rolled back all the same", async () => {
  await withLab(async (lab) => {
    const env = await holdEnslaving(lab);
    const before = await lab.snapshot();
    const tty = TtySession.start(lab, [...MIGRATE, "--", "true"], env);
    try {
      await waitForFile(lab, "/run/held");
      // script(1) holds the terminal's master side: killed, the terminal hangs up (SIGHUP to nsrecipe, which leads
      // its session, and every later write to it fails with EIO), as when an SSH connection drops.
      const script = (await lab.sh(["ps", "-o", "pid=", "-C", "script"])).stdout.trim();
      assert.match(script, /^\d+$/, "one script(1)");
      assert.equal((await lab.sh(["kill", "-KILL", script])).code, 0);
      await tty.finish();
      // script(1) is gone, so the hangup's SIGHUP was sent; once the kernel has delivered it (no signal pending
      // for the process, proc(5) ShdPnd), nsrecipe's listener runs at its next turn: it is idle, waiting for 'ip'.
      const pid = (await records(lab)).find((x) => x.kind === "run-begin")!.pid!;
      await waitFor("the SIGHUP to be delivered", async () => {
        const status = (await lab.sh(["cat", `/proc/${pid}/status`])).stdout;
        return /^ShdPnd:\s*0+$/m.test(status) && /^SigPnd:\s*0+$/m.test(status);
      }, 10_000);
    } finally {
      await lab.sh(["touch", "/run/go"]);
    }
    await waitFor("the run to end", async () => (await records(lab)).some((x) => x.kind === "run-end"), 60_000);
    const recs = await records(lab);
    const run = recs.find((x) => x.kind === "run-begin")!.run;
    const steps = (kind: string) => recs.filter((x) => x.kind === kind).map((x) => x.index!);
    assert.deepEqual(steps("step-done"), [...Array(17).keys()], "the held batch (steps 3-17) was finished");
    assert.deepEqual(steps("step-failed"), []);
    assert.deepEqual([...steps("step-undone")].sort((a, b) => a - b), [...Array(17).keys()]);
    assert.deepEqual(recs.filter((x) => x.kind === "run-end").map((x) => x.state), ["rolled-back"], run);
    await assertHostAsBefore(lab, before);
  });
});

/** Waits (at most 60 s) until a file exists in the lab. */
async function waitForFile(lab: TestLab, path: string): Promise<void> {
  const until = Date.now() + 60_000;
  while ((await lab.sh(["test", "-e", path])).code !== 0) {
    if (Date.now() > until) throw new Error(`timed out after 60 s waiting for ${path} in the lab`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
