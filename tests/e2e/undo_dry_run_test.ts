/**
 * P6: `--dry-run undo NAME` shows what the undo would do, in its order, and changes nothing: the steps kept for a
 * later run that uses them, those that go with a namespace or link the undo deletes, the commands of every other
 * step's inverse, and the processes a namespace's deletion would end. The real undo then does exactly that.
 */
import assert from "node:assert/strict";
import { DEFAULT_STATE_DIR, JOURNAL_FILE } from "../../src/journal/mod.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { holdLock, startNsrecipe } from "../support/side_by_side.ts";
import { waitFor } from "../support/wait.ts";

const journal = async (lab: TestLab) => (await lab.sh(["cat", `${DEFAULT_STATE_DIR}/${JOURNAL_FILE}`])).stdout;

/** The step lines of an undo's output (`undo: …`), without their verb's tense. */
/** Lines with the veth peer's temporary name (`p-` and a hash) as `p-PEER`. */
const peerAs = (lines: string[]) => lines.map((l) => l.replace(/'p-[0-9a-f]{8}'/, "'p-PEER'"));

const steps = (text: string) =>
  text.split("\n").filter((l) => /^ {2}undo: /.test(l)).map((l) =>
    l.trim().replace(/^undo: (revert|reverted): /, "undo: revert: ").replace(
      /^undo: went with (.*) \(its other end was in it\)/,
      "undo: goes with $1 (its other end is in it)",
    )
  );

Deno.test("P6: --dry-run undo NAME lists, in undo's order, the steps handed over, those that go with the netns or veth, the inverse commands (nft, ip link del, ip netns del) and the process it would end; nothing changes; the real undo then does the same", async () => {
  await withLab(async (lab) => {
    // Nothing to undo yet: a dry run's document all the same, empty.
    const none = (...args: string[]) => lab.nsrecipe(["--json", "--dry-run", "undo", ...args]);
    const all = JSON.parse((await none("--all")).stdout);
    assert.deepEqual([all.ok, all.dryRun, all.wouldUndo, all.wouldNotUndo, all.undone], [
      true,
      true,
      [],
      [],
      undefined,
    ]);
    const newest = JSON.parse((await none()).stdout);
    assert.deepEqual([newest.ok, newest.dryRun, newest.wouldUndo, newest.undone], [true, true, [], undefined]);
    for (const args of [["run", "veth-bridge", "--name", "v1", "--nat"], ["run", "veth-bridge", "--name", "v2"]]) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 0, r.stderr);
    }
    const sleeper = lab.spawn(["ip", "netns", "exec", "v1", "sleep", "306"]);
    try {
      await waitFor(
        "the process in v1",
        async () => (await lab.sh(["ip", "netns", "pids", "v1"])).stdout.trim() !== "",
      );
      const pid = (await lab.sh(["ip", "netns", "pids", "v1"])).stdout.trim();
      const table = /nsrecipe_v1_[0-9a-f]+/.exec(await journal(lab))![0];
      const before = { host: await lab.snapshot(), journal: await journal(lab) };
      const dry = await lab.nsrecipe(["--dry-run", "undo", "v1"]);
      assert.equal(dry.code, 0, dry.stderr);
      const lines = dry.stdout.split("\n");
      assert.match(lines[0], /^Dry run: would undo \S+ \(veth-bridge v1\); nothing is changed\. In order:$/);
      const v2 = /kept for run '(\S+)' \(v2\)/.exec(dry.stdout)?.[1];
      assert.ok(v2, dry.stdout);
      for (
        const expected of [
          `  undo: kept for run '${v2}' (v2), which uses it: add address 10.200.0.1/24 to 'br0'`,
          `  undo: kept for run '${v2}' (v2), which uses it: bring link 'br0' up`,
          `  undo: revert: masquerade 10.200.0.0/24 out of 'eth0' (nftables table inet ${table})`,
          `    $ nft delete table inet ${table}`,
          "  undo: revert: set sysctl net.ipv4.ip_forward = 1",
          "    $ sysctl -w net.ipv4.ip_forward=0",
          "  undo: goes with netns 'v1': add address 10.200.0.2/24 to 'eth0' in 'v1'",
          "  undo: goes with link 'veth-v1': enslave 'veth-v1' to bridge 'br0'",
          // Its peer is in v1: the pair goes with v1, and 'ip link del' runs only if the host end outlives it.
          "  undo: goes with netns 'v1' (its other end is in it): create veth pair 'veth-v1' <-> 'p-PEER'",
          "    if still there 2 s after the netns is deleted: $ ip link del dev veth-v1",
          `    ends 1 process: ${pid} (sleep 306) still in 'v1' (SIGTERM; after 2 s, SIGSTOP and SIGKILL)`,
          "    $ ip netns del v1",
        ]
      ) assert.ok(peerAs(lines).includes(expected), `missing ${JSON.stringify(expected)} in:\n${dry.stdout}`);
      assert.ok(
        lines.indexOf("    if still there 2 s after the netns is deleted: $ ip link del dev veth-v1") <
          lines.indexOf("    $ ip netns del v1"),
        "undo's order",
      );
      // --json: the same lines; nothing changed by either.
      const json = JSON.parse((await lab.nsrecipe(["--json", "--dry-run", "undo", "v1"])).stdout);
      assert.equal(json.wouldUndo[0].label, "v1");
      assert.deepEqual(json.wouldUndo[0].lines, lines.slice(1).filter((l) => l).map((l) => l.slice(2)));
      const after = { host: await lab.snapshot(), journal: await journal(lab) };
      assert.deepEqual(after.host, before.host, snapshotDiff(before.host, after.host));
      assert.equal(after.journal, before.journal, "a dry run writes nothing to the journal");
      // The real undo takes the same steps the same way.
      const real = await lab.nsrecipe(["undo", "v1"]);
      assert.equal(real.code, 0, real.stderr);
      assert.deepEqual(steps(real.stderr), steps(dry.stdout));
      assert.match(real.stderr, new RegExp(`Ending 1 process: ${pid} \\(sleep 306\\) still in 'v1'`));
      // Without a name: the newest run, here v2, which now owns the bridge.
      const newest = await lab.nsrecipe(["--dry-run", "undo"]);
      assert.equal(newest.code, 0, newest.stderr);
      assert.match(newest.stdout, /^Dry run: would undo \S+ \(veth-bridge v2\)/);
      assert.match(newest.stdout, /^ {2}undo: revert: create bridge 'br0' .*\n {4}\$ ip link del dev br0$/m);
      assert.equal((await lab.nsrecipe(["undo", "v2"])).code, 0);
    } finally {
      // Ended by the undo; after a failure before it, ended here (the lab cannot end before its processes).
      await lab.sh(["sh", "-c", "kill -9 $(ip netns pids v1 2>/dev/null) 2>/dev/null"]);
      await sleeper.output();
    }
  });
});

Deno.test("--dry-run undo follows a bridge renamed by hand and leaves alone one deleted and made again, as the undo then does, and ends as it does (exit 5)", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    const ok = async (...argv: string[]) => assert.equal((await lab.sh(argv)).code, 0, argv.join(" "));
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "a"])).code, 0);
    await ok("ip", "link", "set", "dev", "br0", "down");
    await ok("ip", "link", "set", "dev", "br0", "name", "brX");
    const dry = await lab.nsrecipe(["--dry-run", "undo", "a"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}undo: 'br0' was renamed to 'brX' \(ifindex \d+, MAC [0-9a-f:]+\); following it$/m);
    assert.match(dry.stdout, /^ {2}undo: revert: create bridge 'br0' .*\n {4}\$ ip link del dev brX$/m);
    const undo = await lab.nsrecipe(["undo", "a"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stderr, /undo: reverted: create bridge 'br0'/);
    // The undo's records are beyond the journal's checked mark (it leaves them to the next reader): a dry run reads
    // and checks them, and writes nothing, the mark included.
    const state = async () => [await journal(lab), await lab.readFile(`${DEFAULT_STATE_DIR}/journal.checked`)];
    const unmarked = await state();
    assert.equal((await lab.nsrecipe(["--dry-run", "undo", "--all"])).code, 0);
    assert.deepEqual(await state(), unmarked, "the dry run wrote nothing in the state directory");
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.notDeepEqual(await state(), unmarked, "the same command, not a dry run, moves the mark over those records");
    assert.equal(snapshotDiff(await lab.snapshot(), clean), "", "the renamed bridge deleted, as the dry run said");

    // A bridge deleted and made again by hand: left alone. The undo closes the run and exits 5 (the host needs a
    // look); the dry run says so and exits 5 too, in the undo's words, the step it would leave alone in --json.
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "b"])).code, 0);
    await ok("ip", "link", "del", "dev", "br0");
    await ok("ip", "link", "add", "dev", "br0", "type", "bridge");
    const held = await lab.snapshot();
    const replaced = /create bridge 'br0' \(STP off, MAC [0-9a-f:]+\): 'br0' is now another link \(ifindex \d+, MAC/;
    const again = await lab.nsrecipe(["--dry-run", "undo", "b"]);
    assert.equal(again.code, 5, again.stderr);
    assert.match(again.stdout, /^ {2}undo: left alone: create bridge 'br0' .*: 'br0' is now another link /m);
    assert.doesNotMatch(again.stdout, /ip link del dev br0/);
    assert.match(
      again.stderr,
      /^nsrecipe: Dry run: the undo of run '[^']+' \(b\) would revert what is its own, but leave alone 1 step\(s\) whose object someone else made again under the same name:\n {2}create bridge 'br0' /,
    );
    assert.match(again.stderr, /The undo will close the run without touching them\./);
    const json = await lab.nsrecipe(["--json", "--dry-run", "undo", "b"]);
    assert.equal(json.code, 5, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.exitCode, 5);
    assert.equal(doc.wouldUndo.length, 1);
    assert.equal(doc.wouldUndo[0].leavesAlone.length, 1);
    assert.match(doc.wouldUndo[0].leavesAlone[0], replaced);
    // undo --all's dry run: the same step, beside the run, and the same exit code as `undo --all`.
    const all = await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"]);
    assert.equal(all.code, 5, all.stderr);
    assert.match(
      all.stderr,
      /will undo \S+ \(veth-bridge b\), leaving alone 1 step\(s\) whose object someone else made again/,
    );
    assert.match(
      all.stderr,
      /Dry run: the undo of 1 run\(s\) would leave alone steps whose object someone else made again/,
    );
    const allDoc = JSON.parse(all.stdout);
    assert.equal(allDoc.wouldUndo[0].label, "b");
    assert.equal(allDoc.wouldUndo[0].refuses, undefined);
    assert.match(allDoc.wouldUndo[0].leavesAlone[0], replaced);
    assert.equal(snapshotDiff(await lab.snapshot(), held), "", "the dry runs changed nothing");
    // undo --all, as its dry run said: exit 5, and the run closed (not "run 'nsrecipe undo --all' again").
    const left = await lab.nsrecipe(["undo", "--all"]);
    assert.equal(left.code, 5, left.stderr);
    assert.match(left.stderr, /undo: left alone: create bridge 'br0' .*: 'br0' is now another link /);
    assert.match(
      left.stderr,
      /\n {2}nsrecipe touches only what it made: .* The run is closed; 'nsrecipe undo' will not touch them\.\n?$/,
    );
    assert.doesNotMatch(left.stderr, /then run 'nsrecipe undo --all' again/);
    assert.deepEqual(steps(left.stderr), steps(again.stdout).filter((l) => !l.startsWith("  ")));
    await ok("ip", "link", "del", "dev", "br0");
    assert.equal(snapshotDiff(await lab.snapshot(), clean), "");

    // A namespace deleted and made again by hand: the same, for the netns.
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "c"])).code, 0);
    await ok("ip", "netns", "del", "c");
    await ok("ip", "netns", "add", "c");
    const before = await lab.snapshot();
    const netnsDry = await lab.nsrecipe(["--dry-run", "undo", "c"]);
    assert.equal(netnsDry.code, 5, netnsDry.stderr);
    assert.match(
      netnsDry.stderr,
      /leave alone 1 step\(s\)[^\n]*:\n {2}create network namespace 'c': 'c' is now another network namespace \(inode \d+\)/,
    );
    assert.equal(snapshotDiff(await lab.snapshot(), before), "", "the dry run changed nothing");
    const netnsUndo = await lab.nsrecipe(["undo", "c"]);
    assert.equal(netnsUndo.code, 5, netnsUndo.stderr);
    assert.match(
      netnsUndo.stderr,
      /left alone 1 step\(s\)[^\n]*:\n {2}create network namespace 'c': 'c' is now another/,
    );
    // Closed: nothing left to undo, as the dry run said.
    assert.equal((await lab.nsrecipe(["--dry-run", "undo", "c"])).code, 0);
    await ok("ip", "netns", "del", "c");
    assert.equal(snapshotDiff(await lab.snapshot(), clean), "");
  });
});

Deno.test("--dry-run undo asks, as the undo does, whether a step's effect is gone before whether its object was made again; undo --all's dry run counts what newer undos delete", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    const ok = async (...argv: string[]) => assert.equal((await lab.sh(argv)).code, 0, argv.join(" "));
    // v1's bridge deleted by hand, then v2 makes its own br0: undo --all deletes v2's br0 first, and v1's bridge is
    // then already gone (exit 0), not left alone.
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "v1"])).code, 0);
    await ok("ip", "link", "del", "dev", "br0");
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "v2"])).code, 0);
    const dryAll = await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"]);
    assert.equal(dryAll.code, 0, dryAll.stderr);
    assert.deepEqual(JSON.parse(dryAll.stdout).wouldUndo.map((w: { leavesAlone?: string[] }) => w.leavesAlone), [
      undefined,
      undefined,
    ]);
    const all = await lab.nsrecipe(["undo", "--all"]);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(snapshotDiff(await lab.snapshot(), clean), "");

    // The same, but the newer run's bridge renamed by hand and a third br0 made: v2's undo deletes its bridge under
    // its new name, so br0 is still someone else's when v1's turn comes: left alone (exit 5), in both.
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "v1"])).code, 0);
    await ok("ip", "link", "del", "dev", "br0");
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "v2"])).code, 0);
    await ok("ip", "link", "set", "dev", "br0", "name", "brB");
    await ok("ip", "link", "add", "dev", "br0", "type", "bridge");
    const dryRenamed = await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"]);
    assert.equal(dryRenamed.code, 5, dryRenamed.stderr);
    const would = JSON.parse(dryRenamed.stdout).wouldUndo as { label: string; leavesAlone?: string[] }[];
    assert.deepEqual(would.map((w) => [w.label, w.leavesAlone?.length]), [["v2", undefined], ["v1", 1]]);
    assert.match(would[1].leavesAlone![0], /^create bridge 'br0' .*: 'br0' is now another link /);
    const allRenamed = await lab.nsrecipe(["undo", "--all"]);
    assert.equal(allRenamed.code, 5, allRenamed.stderr);
    assert.match(allRenamed.stderr, /left alone: create bridge 'br0' .*: 'br0' is now another link /);
    await ok("ip", "link", "del", "dev", "br0");
    assert.equal(snapshotDiff(await lab.snapshot(), clean), "");

    // full-migrate's bridge made again by hand: the bridge is left alone (exit 5); the steps on it (its addresses,
    // routes, the uplink's port) went with the bridge that was deleted: already gone, in the dry run as in the undo.
    const fm = ["run", "full-migrate", "--name", "lan", "--address", "198.51.100.50/24", "--no-confirm"];
    assert.equal((await lab.nsrecipe(fm)).code, 0);
    await ok("ip", "link", "del", "dev", "br0");
    await ok("ip", "link", "add", "dev", "br0", "type", "bridge");
    const dry = await lab.nsrecipe(["--json", "--dry-run", "undo", "lan"]);
    assert.equal(dry.code, 5, dry.stderr);
    const leaves: string[] = JSON.parse(dry.stdout).wouldUndo[0].leavesAlone;
    assert.equal(leaves.length, 1, leaves.join("\n"));
    assert.match(leaves[0], /^create bridge 'br0' .*: 'br0' is now another link /);
    const undo = await lab.nsrecipe(["undo", "lan"]);
    assert.equal(undo.code, 5, undo.stderr);
    assert.match(undo.stderr, /left alone 1 step\(s\) whose object someone else made again/);
    assert.deepEqual(
      steps(undo.stderr).filter((l) => /left alone|already/.test(l)).map((l) =>
        l.replace(/^undo: already [^:]*:/, "undo: already:")
      ),
      steps(JSON.parse(dry.stdout).wouldUndo[0].lines.map((l: string) => `  ${l}`).join("\n"))
        .filter((l) => /left alone|already/.test(l)).map((l) => l.replace(/^undo: already [^:]*:/, "undo: already:")),
    );
    await ok("ip", "link", "del", "dev", "br0");
  });
});

Deno.test("--dry-run undo only reads: on a host with no journal it creates no state, it does not wait for a held lock, and it leaves a torn last record for the undo to cut", async () => {
  await withLab(async (lab) => {
    const listing = async () => (await lab.sh(["ls", "-A", DEFAULT_STATE_DIR])).stdout;
    const fresh = await listing();
    const clean = await lab.snapshot();
    for (const args of [["--dry-run", "undo"], ["--dry-run", "undo", "--all"], ["--json", "--dry-run", "undo", "x"]]) {
      const dry = await lab.nsrecipe(args);
      assert.equal(dry.code, args.includes("x") ? 2 : 0, dry.stderr);
      assert.equal(await listing(), fresh, `${args.join(" ")} made nothing in the state directory`);
    }
    assert.doesNotMatch(fresh, /journal|lock/, "the lab's state directory starts with no journal nor lock");

    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "a"])).code, 0);
    // Another nsrecipe holds the state directory's lock (an undo under way): the dry run reads the journal as it is.
    const held = await holdLock(lab, `${DEFAULT_STATE_DIR}/lock`);
    try {
      const dry = startNsrecipe(lab, ["--dry-run", "undo"]);
      let ended: { code: number; stdout: string } | undefined;
      dry.done.then((d) => ended = d);
      await waitFor(
        "the dry run to end, or to wait for the lock",
        () => Promise.resolve(ended !== undefined || /Waiting/.test(dry.stderr())),
        60_000,
      );
      assert.doesNotMatch(dry.stderr(), /Waiting for another nsrecipe process/);
      assert.equal(ended?.code, 0, dry.stderr());
      assert.match(ended!.stdout, /^Dry run: would undo \S+ \(netns a\)/m);
    } finally {
      await held.release();
    }

    // A record cut short (a crash, or a write under way): the dry run says so and leaves it; the undo cuts it off.
    const whole = await journal(lab);
    await lab.sh(["sh", "-c", `printf '{"v":1,"kind":"run-be' >> ${DEFAULT_STATE_DIR}/${JOURNAL_FILE}`]);
    const dry = await lab.nsrecipe(["--dry-run", "undo"]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /The journal's last line is incomplete .*: "\{\\"v\\":1,\\"kind\\":\\"run-be"/);
    assert.equal(await journal(lab), `${whole}{"v":1,"kind":"run-be`, "the dry run left the journal as it was");
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stderr, /The journal's last record was incomplete .* was removed/);
    assert.equal(snapshotDiff(await lab.snapshot(), clean), "", "the undo restored the host");
  });
});
