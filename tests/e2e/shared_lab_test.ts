/**
 * The shared lab (`tests/support/shared_lab.ts`) hands a lab to the next
 * case only when it is proven clean: each kind of leftover gets the next case
 * a fresh lab, and a clean case gets the next one the same lab with an empty
 * state directory.
 */
import assert from "node:assert/strict";
import type { TestLab } from "../support/lab.ts";
import { assertExit, endWatchdogs, watchdogPids } from "../support/reliability.ts";
import { type SharedLab, withSharedLab } from "../support/shared_lab.ts";

/** What a case may leave behind, and how it leaves it. */
const LEFTOVERS: readonly [string, string[]][] = [
  ["a link", ["ip", "link", "add", "sl0", "type", "bridge"]],
  ["an address", ["ip", "addr", "add", "192.0.2.9/32", "dev", "lo"]],
  ["a route", ["ip", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"]],
  ["a named netns", ["ip", "netns", "add", "sl1"]],
  ["IPv4 forwarding switched on", ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"]],
  ["a process", ["sh", "-c", "sleep 600 >/dev/null 2>&1 &"]],
  ["a mount", ["mount", "-t", "tmpfs", "sl2", "/mnt"]],
  ["a file under /run", ["touch", "/run/sl3"]],
];

/** Runs one case and reports which lab it got (the host PID of its PID 1). */
async function pidOf(labs: SharedLab, fn: (lab: TestLab) => Promise<void> = async () => {}): Promise<number> {
  return await labs.use(async (lab) => {
    await fn(lab);
    return lab.pid;
  });
}

Deno.test("a clean case hands its lab on with an empty state directory; the clean snapshot it gets equals the lab's", () =>
  withSharedLab(async (labs) => {
    const first = await pidOf(labs, async (lab) => {
      assertExit(await lab.nsrecipe(["run", "netns", "--name", "sl"]), 0, "run");
      assertExit(await lab.nsrecipe(["undo"]), 0, "undo");
    });
    const second = await labs.use(async (lab, clean) => {
      assert.deepEqual(await lab.snapshot(), clean);
      assert.equal((await lab.sh(["test", "-e", "/run/nsrecipe"])).code, 1, "the state directory was reset");
      return lab.pid;
    });
    assert.equal(second, first, "the same lab");
    assert.deepEqual([labs.started, labs.reused], [1, 1]);
  }));

/**
 * Runs full-migrate and undoes it with its confirm watchdog held alive: stopped (SIGSTOP) before the undo,
 * it cannot see the run undone and end by itself within the second it takes to read the journal again,
 * which a loaded machine may give it before the lab is checked.
 */
async function runAndUndoKeepingWatchdog(lab: TestLab): Promise<void> {
  assertExit(await lab.nsrecipe(["run", "full-migrate", "--name", "sw", "--address", "198.51.100.50/24"]), 0, "run");
  const dogs = await watchdogPids(lab);
  assert.equal(dogs.length, 1, "the run left its watchdog");
  assert.equal((await lab.sh(["kill", "-STOP", ...dogs])).code, 0);
  assertExit(await lab.nsrecipe(["undo"]), 0, "undo");
}

Deno.test("full-migrate's confirm watchdog outlives the undo (the lab is not clean); ended by endWatchdogs, the lab is handed on", () =>
  withSharedLab(async (labs) => {
    const first = await pidOf(labs, async (lab) => {
      await runAndUndoKeepingWatchdog(lab);
      assert.equal((await endWatchdogs(lab)).length, 1, "one watchdog was left");
    });
    const leftBehind = await pidOf(labs, (lab) => runAndUndoKeepingWatchdog(lab));
    assert.equal(leftBehind, first, "the lab was reused after its watchdog was ended");
    assert.notEqual(await pidOf(labs), leftBehind, "a watchdog left running spoils the lab");
    assert.deepEqual([labs.started, labs.reused], [2, 1]);
  }));

Deno.test("a case that leaves anything behind, leaves a run open in the journal (even with the host clean) or throws gets the next case a fresh lab", (t) =>
  withSharedLab(async (labs) => {
    const cases: [string, (lab: TestLab) => Promise<void>][] = [
      ...LEFTOVERS.map(([what, argv]): [string, (lab: TestLab) => Promise<void>] => [what, async (lab) => {
        const r = await lab.sh(argv);
        assert.equal(r.code, 0, r.stderr);
      }]),
      ["a run left open in the journal, its effect removed by hand", async (lab) => {
        assertExit(await lab.nsrecipe(["run", "netns", "--name", "sl"]), 0, "run");
        assert.equal((await lab.sh(["ip", "netns", "del", "sl"])).code, 0);
      }],
    ];
    // Each case runs in the lab the one before it spoiled: it must be a new one every time.
    let previous: number | undefined;
    let ran = 0;
    for (const [what, spoil] of cases) {
      const ok = await t.step(what, async () => {
        const pid = await pidOf(labs, spoil);
        if (previous !== undefined) assert.notEqual(pid, previous, "a new lab after the previous case's leftover");
        previous = pid;
      });
      assert.ok(ok, what);
      ran++;
    }
    assert.equal(ran, cases.length);
    await t.step("a case that throws", async () => {
      let failed = 0;
      await assert.rejects(
        pidOf(labs, (lab) => {
          failed = lab.pid;
          throw new Error("case failed");
        }),
        /case failed/,
      );
      assert.notEqual(failed, previous, "a new lab after the last leftover");
      assert.notEqual(await pidOf(labs), failed, "a new lab after a case that threw");
    });
    assert.deepEqual([labs.started, labs.reused], [cases.length + 2, 0]);
  }));

Deno.test("a case given sameHost must leave the lab host as it found it: a link left fails it with the difference (a fresh lab next); other leftovers only spoil the lab; a clean one hands it on", () =>
  withSharedLab(async (labs) => {
    const first = await labs.use((lab) => Promise.resolve(lab.pid), "a clean case");
    assert.equal(await labs.use((lab) => Promise.resolve(lab.pid), "another clean case"), first, "the same lab");
    let spoiled = 0;
    await assert.rejects(
      labs.use(async (lab) => {
        spoiled = lab.pid;
        assert.equal((await lab.sh(["ip", "link", "add", "sl0", "type", "bridge"])).code, 0);
      }, "a case leaving a bridge"),
      (e: unknown) => {
        assert.ok(e instanceof assert.AssertionError, String(e));
        assert.match(e.message, /^a case leaving a bridge: the host differs from before:\n/);
        assert.match(e.message, /sl0/);
        return true;
      },
    );
    assert.equal(spoiled, first, "the case ran in the shared lab");
    const fresh = await labs.use(async (lab) => {
      assert.equal((await lab.sh(["touch", "/run/sl3"])).code, 0);
      return lab.pid;
    }, "a case leaving a file under /run");
    assert.notEqual(fresh, spoiled, "a new lab after the failed case");
    assert.notEqual(
      await labs.use((lab) => Promise.resolve(lab.pid)),
      fresh,
      "a file under /run spoils the lab, fails no case",
    );
    assert.deepEqual([labs.started, labs.reused], [3, 2]);
  }));
