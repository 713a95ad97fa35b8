/**
 * State changed behind nsrecipe's back: objects a run made are deleted or
 * altered by hand before undo. `status` reports the drift; undo completes
 * what it can, reports each discrepancy, and exits 5 only when something
 * could not be restored.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft, assertSameHost, endState, journalOf } from "../support/reliability.ts";

interface StatusRun {
  state: string;
  drift: string[];
  notes: string[];
  steps: { step: number; drift?: string; goneWithStep?: number }[];
}

async function status(lab: TestLab): Promise<StatusRun[]> {
  const r = await lab.nsrecipe(["--json", "status"]);
  assertExit(r, 0, "status");
  return JSON.parse(r.stdout).runs;
}

/** The `how` of each step undo reported, by step index. */
async function undoJson(lab: TestLab, code: number = EXIT.ok) {
  const r = await lab.nsrecipe(["--json", "undo"]);
  assertExit(r, code, "undo");
  return { r, steps: code === EXIT.ok ? JSON.parse(r.stdout).undone[0].steps as { index: number; how: string }[] : [] };
}

Deno.test("netns deleted by hand: status shows it as one drift line, the step inside gone with it; undo exits 0 reporting the netns already gone (lo went with it); journal closed", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "d1"]), 0, "run");
    await lab.sh(["ip", "netns", "del", "d1"]);
    const [st] = await status(lab);
    assert.deepEqual(st.drift, ["create network namespace 'd1': 'd1' is not in 'ip netns list'; step 2 went with it"]);
    assert.deepEqual(
      st.steps.map((s) => [s.step, s.drift, s.goneWithStep]),
      [[1, "'d1' is not in 'ip netns list'", undefined], [2, undefined, 1]],
    );
    const text = await lab.nsrecipe(["status", "d1"]);
    assertExit(text, 0, "status d1");
    assert.match(text.stdout, /^ {2}namespace: {2}d1, not on the host \(see drift\)$/m);
    assert.match(text.stdout, /^ {5}1\. create network namespace 'd1' {2}\[done; not in effect: see drift\]$/m);
    assert.match(text.stdout, /^ {5}2\. bring link 'lo' up in 'd1' {2}\[done; gone with step 1\]$/m);
    const { r, steps } = await undoJson(lab);
    assert.deepEqual(steps.map((s) => [s.index, s.how]), [[1, "subsumed"], [0, "already-gone"]]);
    assert.match(r.stderr, /went with netns 'd1' \(gone already\): bring link 'lo' up in 'd1'/);
    assert.match(r.stderr, /already reverted \(changed by hand\?\): create network namespace 'd1'/);
    assertSameHost(await lab.snapshot(), before, "netns deleted by hand, then undo");
    assert.equal(endState((await journalOf(lab)).records), "undone");
    assert.deepEqual(await status(lab), []);
  });
});

Deno.test("lo set down by hand: status shows that drift only; undo exits 0 and deletes the namespace, with which lo goes (no inverse of its own)", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "d1"]), 0, "run");
    await lab.sh(["ip", "-n", "d1", "link", "set", "dev", "lo", "down"]);
    const [st] = await status(lab);
    assert.deepEqual(st.drift, ["bring link 'lo' up in 'd1': link 'lo' is not UP"]);
    const { r, steps } = await undoJson(lab);
    assert.deepEqual(steps.map((s) => [s.index, s.how]), [[1, "subsumed"], [0, "reverted"]]);
    assert.match(r.stderr, /goes with netns 'd1': bring link 'lo' up in 'd1'/);
    assertSameHost(await lab.snapshot(), before, "lo down by hand, then undo");
  });
});

Deno.test("the namespace's mount removed by hand (a stale /run/netns file left): status says so; undo removes the stale entry and exits 0", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "d1"]), 0, "run");
    await lab.sh(["umount", "/run/netns/d1"]);
    const [st] = await status(lab);
    assert.ok(st.drift.some((d) => d.includes("/run/netns/d1 is not a namespace mount")), st.drift.join("\n"));
    const { steps } = await undoJson(lab);
    assert.deepEqual(steps.map((s) => [s.index, s.how]), [[1, "subsumed"], [0, "reverted"]]);
    assert.equal((await lab.sh(["test", "-e", "/run/netns/d1"])).code, 1);
    assertSameHost(await lab.snapshot(), before, "stale entry, then undo");
  });
});

Deno.test("a namespace entry replaced by hand with something undo cannot remove: exit 5 naming the step and the reason; once fixed, undo exits 0", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "d1"]), 0, "run");
    const r0 = await lab.sh(["sh", "-c", "umount /run/netns/d1 && rm /run/netns/d1 && mkdir -p /run/netns/d1/x"]);
    assert.equal(r0.code, 0, r0.stderr);
    const { r } = await undoJson(lab, EXIT.attention);
    // M4: the failure names the command that failed, then its own message, as run's failures do.
    assert.match(
      r.stderr,
      /could not revert 1 step\(s\):\n\s+create network namespace 'd1': 'ip netns del d1' said: .*Is a directory/,
    );
    assert.match(r.stderr, /run 'nsrecipe undo' again/);
    const [st] = await status(lab);
    assert.equal(st.state, "incomplete");
    assert.ok(st.notes.some((n) => /undo failed: .*Is a directory/.test(n)), st.notes.join("\n"));
    await lab.sh(["rm", "-r", "/run/netns/d1"]);
    const { steps } = await undoJson(lab);
    assert.deepEqual(steps.map((s) => [s.index, s.how]), [[0, "already-gone"]]);
    assertSameHost(await lab.snapshot(), before, "fixed by hand, then undo");
    await assertNoNetnsLeft(lab);
  });
});

Deno.test("a process started by hand inside the namespace: undo ends it and deletes the namespace", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "d1"]), 0, "run");
    const sleeper = lab.spawn(["ip", "netns", "exec", "d1", "sleep", "1000"]);
    const ended = sleeper.output();
    try {
      let pids = "";
      for (let i = 0; i < 100 && pids === ""; i++) {
        pids = (await lab.sh(["ip", "netns", "pids", "d1"])).stdout.trim();
        if (pids === "") await new Promise((r) => setTimeout(r, 20));
      }
      assert.notEqual(pids, "", "the process is inside the namespace");
      const { steps } = await undoJson(lab);
      assert.deepEqual(steps.map((s) => s.how), ["subsumed", "reverted"]);
      const { code, signal } = await ended;
      assert.ok(signal === "SIGTERM" || code !== 0, `the process was ended (code ${code}, signal ${signal})`);
      assertSameHost(await lab.snapshot(), before, "process inside, then undo");
    } finally {
      try {
        sleeper.kill("SIGKILL");
      } catch { /* already ended */ }
      await ended.catch(() => {});
    }
  });
});

Deno.test("an older run's object removed by hand and made again by a newer run: undoing the older run leaves the newer one's alone", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "web"])).code, 0);
    const older = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout).runs[0].run as string;
    await lab.sh(["ip", "link", "del", "dev", "br0"]);
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "api"])).code, 0);
    const undo = await lab.nsrecipe(["undo", older]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stderr, /left alone: create bridge 'br0' .*belongs to run/);
    assert.equal((await lab.sh(["ip", "link", "show", "dev", "br0"])).code, 0, "api's br0 is still there");
    assert.equal((await lab.sh(["ip", "netns", "exec", "api", "ping", "-c1", "-W1", "10.200.0.1"])).code, 0);
  });
});

Deno.test("M4, M5: the uplink set down while migrated: status says the host is offline on the LAN (drift); undo's failure names the step, the command that failed and iproute2's message (exit 5); once it is up, undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(
      await lab.nsrecipe(["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24", "--no-confirm"]),
      0,
      "run full-migrate",
    );
    assertExit(await lab.sh(["ip", "link", "set", "eth0", "down"]), 0, "eth0 down");
    // M5: the host is offline on the LAN while every step is in place; status says why, not "applied".
    const st = await lab.nsrecipe(["status"]);
    assertExit(st, 0, "status");
    assert.match(st.stdout, /^fm\s+full-migrate\s+drift\s/m);
    assert.ok(
      st.stderr.includes(
        "fm: drift: 'eth0' is down: it is the port that carries the host's LAN on bridge 'br0', so the host is " +
          "offline on the LAN ('ip link set eth0 up' brings it back)",
      ),
      st.stderr,
    );
    const r = await lab.nsrecipe(["undo", "fm"]);
    assertExit(r, EXIT.attention, "undo with eth0 down");
    assert.match(
      r.stderr,
      // The switch back re-adds the uplink's routes; with eth0 down the kernel refuses its default's gateway.
      /could not revert 1 step\(s\):\n {2}remove route default via 198\.51\.100\.1 dev eth0: 'ip route add default via 198\.51\.100\.1 dev eth0 metric \d+' said: Error: Nexthop has invalid gateway\./,
    );
    assertExit(await lab.sh(["ip", "link", "set", "eth0", "up"]), 0, "eth0 up");
    assert.doesNotMatch((await lab.nsrecipe(["status"])).stderr, /is down: it is the port/);
    assertExit(await lab.nsrecipe(["undo", "fm"]), 0, "undo once eth0 is up");
    assertSameHost(await lab.snapshot(), before, "eth0 down while migrated, then undo");
  });
});
