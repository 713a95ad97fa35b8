/**
 * F10: a journal is tied to the network namespace its runs acted in. Between
 * two labs (lab B plays a real host whose uplink is also `eth0`, ifindex 2):
 * lab A's journal, carried over to lab B, is refused by undo (exit 3) and B
 * is untouched; the same journal without the namespace (as the previous
 * version wrote it) still undoes in lab A. And a lab refuses a state
 * directory on the real host's disk. Never run against the real host.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";

/** The journal of a lab's default state directory, read from outside (through the lab's root). */
const journalPath = (lab: TestLab) => `/proc/${lab.pid}/root/run/nsrecipe/journal.jsonl`;

/** Puts a journal into a lab's default state directory, owner root and mode 0700/0600 as nsrecipe makes them. */
async function putJournal(lab: TestLab, text: string): Promise<void> {
  const dir = `/proc/${lab.pid}/root/run/nsrecipe`;
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  await Deno.writeTextFile(`${dir}/journal.jsonl`, text, { mode: 0o600 });
}

Deno.test("F10: lab A's journal carried to lab B is not undone there (exit 3, B untouched); without its namespace (previous version) it still undoes in A", async () => {
  await withLab(async (a) => {
    const beforeA = await a.snapshot();
    const run = await a.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "fm",
      "--address",
      "198.51.100.50/24",
      "--no-confirm",
    ]);
    assert.equal(run.code, 0, run.stderr);
    const journal = await Deno.readTextFile(journalPath(a));
    const begin = JSON.parse(journal.split("\n")[0]);
    assert.equal(begin.kind, "run-begin");
    assert.ok(
      Number.isInteger(begin.netns?.ino) && begin.netns.ino > 0,
      `run-begin records the netns: ${journal.split("\n")[0]}`,
    );
    assert.match(journal, /"link:eth0":\{"type":"link","ifindex":\d+,"mac":"02:00:00:00:10:10","macStable":true\}/);

    await withLab(async (b) => {
      await putJournal(b, journal);
      const beforeB = await b.snapshot();
      const status = await b.nsrecipe(["--json", "status"]);
      const shown = (JSON.parse(status.stdout) as {
        runs: { label: string; shown: string; elsewhere?: boolean; notes: string[] }[];
      }).runs;
      assert.deepEqual(shown.map((r) => [r.label, r.shown, r.elsewhere]), [[
        "fm",
        "in another network namespace",
        true,
      ]]);
      assert.match(shown[0].notes.join("\n"), /another network namespace .*'nsrecipe undo' will not act on it here/);
      for (const args of [["undo"], ["undo", "fm"], ["undo", "--all"]]) {
        const r = await b.nsrecipe(args);
        assert.equal(r.code, EXIT.precondition, `${args.join(" ")}: ${r.code} ${r.stderr}`);
        assert.match(r.stderr, /another network namespace \(net:\[\d+\]\), not this one \(net:\[\d+\]\)/);
        // P26: an undo that does not happen is not announced.
        assert.doesNotMatch(r.stderr, /^Undoing run/m);
        const afterB = await b.snapshot();
        assert.deepEqual(afterB, beforeB, snapshotDiff(beforeB, afterB));
      }
      assert.equal(await Deno.readTextFile(journalPath(b)), journal, "nothing was recorded in B's copy either");
    }, { address: "198.51.100.77/24", metric: 300 });

    // The previous version wrote no namespace and no macStable: such a journal undoes as before.
    const old = journal.split("\n").map((l) => {
      if (l === "") return l;
      const r = JSON.parse(l);
      delete r.netns;
      for (const id of Object.values((r.identities ?? {}) as Record<string, { macStable?: true }>)) delete id.macStable;
      return JSON.stringify(r);
    }).join("\n");
    assert.doesNotMatch(old, /"netns":\{"dev"|macStable/);
    await putJournal(a, old);
    const undo = await a.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    const afterA = await a.snapshot();
    assert.deepEqual(afterA, beforeA, snapshotDiff(beforeA, afterA));
  });
});

Deno.test("F10: a lab refuses a state directory on the real host's disk (exit 2) and writes nothing there", async () => {
  const dir = `/var/lib/nsrecipe/test-f10-${crypto.randomUUID().slice(0, 8)}`;
  const rootExisted = await Deno.stat("/var/lib/nsrecipe").then(() => true, () => false);
  try {
    await withLab(async (lab) => {
      for (const args of [["run", "netns", "--name", "x"], ["undo"], ["confirm"]]) {
        const r = await lab.nsrecipe(["--state-dir", dir, ...args]);
        assert.equal(r.code, EXIT.usage, `${args.join(" ")}: ${r.code} ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`The state directory '${dir}' cannot be used here: this is a lab`));
      }
      assert.equal((await lab.sh(["ip", "netns", "list"])).stdout.includes("x"), false, "netns x was not made");
      const inLab = await lab.nsrecipe(["--state-dir", "/run/nsrecipe/other", "run", "netns", "--name", "y"]);
      assert.equal(inLab.code, 0, `a state directory under the lab's /run works: ${inLab.stderr}`);
    });
    assert.equal(await Deno.stat(dir).then(() => true, () => false), false, `${dir} was not created on the real disk`);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    if (!rootExisted) await Deno.remove("/var/lib/nsrecipe").catch(() => {});
  }
});
