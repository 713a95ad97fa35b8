/**
 * Undo leaves a veth pair whose peer is in the run's netns to go with that netns (veth(4): deleting either end
 * deletes the pair; the kernel deletes a destroyed namespace's links), and makes sure it went: `ip netns del` only
 * removes the name (ip-netns(8)), so a namespace held alive by something else keeps the pair, and undo then deletes
 * the host end itself. Each case: the host's snapshot after undo equals the one before the run, and the namespace
 * held alive has lost the pair (only `lo` is left in it). A kill between the batch that deleted the netns and the
 * look at the host end leaves the step unrecorded, and undo again deletes the host end.
 *
 * @module
 */
import assert from "node:assert/strict";
import { PEER_GONE_BOUND_MS } from "../../src/engine/peer_netns.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "../support/lab.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertNothingOpen, assertSameHost, journalOf, sequence } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

/** The links of a network namespace given by a path (a bind mount, `/proc/PID/fd/N`), read with nsenter(1). */
async function linksIn(lab: TestLab, nsPath: string): Promise<string[]> {
  const r = await lab.sh(["nsenter", `--net=${nsPath}`, "ip", "-json", "link", "show"]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

/** Whether the lab's host has a link of that name. */
async function hasLink(lab: TestLab, dev: string): Promise<boolean> {
  return (await lab.sh(["ip", "link", "show", "dev", dev])).code === 0;
}

/** The undo line of a veth-bridge run `name` whose veth pair was deleted by undo itself (not gone with the netns). */
const deletedLine = (name: string) =>
  new RegExp(
    `^Undone \\S+ \\(${name}\\): 3 step\\(s\\) reverted, 9 went with netns '${name}', link 'veth-${name}' and ` +
      "link 'br0'\\n$",
  );

/** The line undo gives when the host end outlived the netns's deletion. */
const stillThere = (name: string) =>
  new RegExp(
    `undo: 'veth-${name}' is still there \\d+ ms after netns '${name}' was deleted \\(something else holds that ` +
      "namespace alive, e.g. a bind mount or an open file, or its other end is no longer in it\\); deleting it\\n",
  );

Deno.test("a veth-bridge netns held alive by something else (a bind mount elsewhere, a process's open file, its peer moved by hand into another netns): undo waits for the pair, then deletes the host end itself; the host as before, the pair gone from the namespace", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();

    // A bind mount of /run/netns/h1 elsewhere (ip-netns(8): 'ip netns del' unmounts only /run/netns/h1).
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "h1"]), 0, "run h1");
    const mounted = await lab.sh(["sh", "-c", "touch /tmp/h1 && mount --bind /run/netns/h1 /tmp/h1"]);
    assert.equal(mounted.code, 0, mounted.stderr);
    assert.deepEqual((await linksIn(lab, "/tmp/h1")).sort(), ["eth0", "lo"]);
    const h1 = await lab.nsrecipe(["undo", "h1"]);
    assertExit(h1, 0, "undo h1");
    assert.match(h1.stderr, stillThere("h1"));
    assert.match(h1.stdout, deletedLine("h1"));
    assertSameHost(await lab.snapshot(), before, "undo of h1, held by a bind mount");
    assert.deepEqual(await linksIn(lab, "/tmp/h1"), ["lo"], "the pair is gone from the namespace the mount holds");
    assert.equal((await lab.sh(["umount", "/tmp/h1"])).code, 0);

    // A process outside the netns (so undo does not end it) holding /run/netns/h2 open.
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "h2"]), 0, "run h2");
    // It says its PID in the lab once it holds the file; `exec` keeps that PID for the sleep (a pgrep for the sleep
    // raced the exec and once found none).
    const holder = lab.spawn(["sh", "-c", "exec 3</run/netns/h2; echo $$; exec sleep 300"]);
    try {
      const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
      const pid = ((await reader.read()).value ?? "").trim();
      reader.releaseLock();
      assert.match(pid, /^\d+$/);
      const h2 = await lab.nsrecipe(["undo", "h2"]);
      assertExit(h2, 0, "undo h2");
      assert.match(h2.stderr, stillThere("h2"));
      assert.match(h2.stdout, deletedLine("h2"));
      assertSameHost(await lab.snapshot(), before, "undo of h2, held by an open file");
      assert.deepEqual(await linksIn(lab, `/proc/${pid}/fd/3`), ["lo"], "the pair is gone from the held namespace");
      assert.equal((await lab.sh(["kill", pid])).code, 0);
    } finally {
      // After a failure the holder would sleep on for 300 s: end its nsenter (the lab's end takes the sleep).
      try {
        holder.kill("SIGKILL");
      } catch {
        // It has ended already.
      }
      await holder.stdout.cancel().catch(() => {});
      await holder.stderr.cancel();
      await holder.status;
    }

    // Its peer moved by hand into another netns: deleting h3 does not take the pair.
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "h3"]), 0, "run h3");
    const moved = await lab.sh(["sh", "-c", "ip netns add other && ip -n h3 link set dev eth0 netns other"]);
    assert.equal(moved.code, 0, moved.stderr);
    const h3 = await lab.nsrecipe(["undo", "h3"]);
    assertExit(h3, 0, "undo h3");
    assert.match(h3.stderr, stillThere("h3"));
    assert.match(h3.stdout, deletedLine("h3"));
    assert.deepEqual(await linksIn(lab, "/run/netns/other"), ["lo"], "the peer went with its host end");
    assert.equal((await lab.sh(["ip", "netns", "del", "other"])).code, 0);
    assertSameHost(await lab.snapshot(), before, "undo of h3, its peer moved into another netns");
  });
});

Deno.test("undo killed after its batch deleted a held netns, while it looks for the veth's host end: nothing of that batch is recorded, the host end is still there, and undo again deletes it; the host as before", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "k1"]), 0, "run k1");
    const mounted = await lab.sh(["sh", "-c", "touch /tmp/k1 && mount --bind /run/netns/k1 /tmp/k1"]);
    assert.equal(mounted.code, 0, mounted.stderr);
    const child = lab.spawn([...selfArgv(), "undo", "k1"]);
    try {
      // The batch ran once /run/netns/k1 is gone; undo then looks for the host end for PEER_GONE_BOUND_MS.
      await waitFor(
        "the batch to delete netns k1",
        async () => {
          try {
            await Deno.lstat(lab.file("/run/netns/k1"));
            return false;
          } catch (e) {
            if (e instanceof Deno.errors.NotFound) return true;
            throw e;
          }
        },
        60_000,
        5,
      );
      const children = (await Deno.readTextFile(`/proc/${child.pid}/task/${child.pid}/children`)).trim().split(/\s+/);
      assert.equal(children.length, 1, `nsenter has one child, nsrecipe: ${children}`);
      Deno.kill(Number(children[0]), "SIGKILL");
      const out = await child.output();
      assert.equal(out.code, 137, new TextDecoder().decode(out.stderr));
    } finally {
      try {
        child.kill("SIGKILL"); // only when a wait failed: it has exited otherwise
        await child.status;
      } catch {
        // it had exited
      }
    }
    // Killed within the wait (PEER_GONE_BOUND_MS): the host end is there, and no outcome of the batch is recorded.
    assert.ok(await hasLink(lab, "veth-k1"), `the host end outlives the held netns (${PEER_GONE_BOUND_MS} ms bound)`);
    const seq = sequence((await journalOf(lab)).records);
    for (const index of [0, 1, 2, 3]) {
      assert.ok(!seq.includes(`step-undone#${index}`), `step ${index} is not recorded: ${seq.join(" ")}`);
    }
    const again = await lab.nsrecipe(["--verbose", "undo", "k1"]);
    assertExit(again, 0, "undo again");
    // The netns is gone, so the pair is not left to it: the host end is deleted at once, in the batch.
    assert.match(again.stderr, /^ {2}< link del dev veth-k1$/m);
    assert.doesNotMatch(again.stderr, /still there/);
    assert.match(
      again.stdout,
      /^Undone \S+ \(k1\): 1 step\(s\) reverted, 1 went with netns 'k1', 2 found already reverted/,
    );
    assertSameHost(await lab.snapshot(), before, "undo killed while looking for the host end, then undo");
    assert.deepEqual(await linksIn(lab, "/tmp/k1"), ["lo"]);
    assertNothingOpen(await journalOf(lab), "undo killed, then undo");
  });
});
