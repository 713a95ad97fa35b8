/**
 * Journal integrity through the CLI: a torn last record, a garbled record
 * (with and without a readable run id), an empty file, a record of a newer
 * schema version, a record undo cannot fully read, a journal from before a
 * reboot. Each gets a clear message and no crash; undo never acts on a
 * record it cannot fully read, and a refused undo leaves the journal as it was,
 * also when the record was edited after nsrecipe checked it (the checked mark).
 * Undo reads back none of its own records (they are checked by the next
 * command that reads them), and `undo --all` reads the runs again between two undos.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertSameHost, endState, journalOf, journalText, writeJournal } from "../support/reliability.ts";

/** Applies `run netns --name NAME` and returns the run id. */
async function applied(lab: TestLab, name: string): Promise<string> {
  const r = await lab.nsrecipe(["run", "netns", "--name", name]);
  assertExit(r, 0, `run netns --name ${name}`);
  return r.stdout.trim();
}

/** Asserts that undo is refused (exit 3) with a message, the host and the journal file unchanged. */
async function undoRefused(lab: TestLab, args: string[], pattern: RegExp): Promise<string> {
  const before = await lab.snapshot();
  const text = await journalText(lab);
  const r = await lab.nsrecipe(["undo", ...args]);
  assertExit(r, EXIT.precondition, `undo ${args.join(" ")}`);
  assert.match(r.stderr, pattern);
  assert.doesNotMatch(r.stderr, /internal error/);
  assertSameHost(await lab.snapshot(), before, "a refused undo");
  assert.equal(await journalText(lab), text, "a refused undo leaves the journal as it was");
  return r.stderr;
}

/**
 * P22: `run` refuses (exit 3) while undo would refuse the journal, with undo's message, and adds nothing to it.
 * @returns The refusal's message (stderr's first line).
 */
async function runRefused(lab: TestLab, name: string, json: boolean): Promise<string> {
  const before = await lab.snapshot();
  const text = await journalText(lab);
  const r = await lab.nsrecipe([...(json ? ["--json"] : []), "run", "netns", "--name", name, "--", "true"]);
  assertExit(r, EXIT.precondition, `run netns --name ${name}`);
  assertSameHost(await lab.snapshot(), before, "a refused run");
  assert.equal(await journalText(lab), text, "a refused run adds nothing to the journal");
  const undo = await lab.nsrecipe(["undo"]);
  const undoMessage = undo.stderr.split("\n")[0].replace(/^nsrecipe: /, "");
  if (json) {
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.error.kind, "PreconditionError");
    assert.equal(doc.error.message, undoMessage, "the same message as undo's");
  } else {
    assert.equal(r.stderr.split("\n")[0], `nsrecipe: ${undoMessage}`, "the same message as undo's");
    assert.match(r.stderr, /run adds no run it could not undo/);
  }
  return undoMessage;
}

const AT = "2026-11-29T06:33:00.000Z";

/**
 * Asserts that the journal's checked mark covers the whole journal and names
 * exactly these problems (line, kind): what a reader then takes from the mark
 * instead of checking the lines itself.
 */
async function assertMarkCovers(lab: TestLab, problems: [number, string][]): Promise<void> {
  const mark = JSON.parse(await lab.readFile("/run/nsrecipe/journal.checked") ?? "null");
  assert.equal(mark?.bytes, new TextEncoder().encode(await journalText(lab)).length, "the mark covers the journal");
  assert.deepEqual(mark.problems.map((p: { line: number; kind: string }) => [p.line, p.kind]), problems);
}

Deno.test("journal: a torn last record (crash mid-write) is cut off with a notice; undo then works and the host is restored", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const id = await applied(lab, "j1");
    await lab.sh([
      "sh",
      "-c",
      `printf '%s' '{"v":1,"at":"${AT}","kind":"step-undone","run":"${id}","ind' >> /run/nsrecipe/journal.jsonl`,
    ]);
    assert.equal((await journalOf(lab)).problems[0].kind, "torn");
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, 0, "undo over a torn record");
    assert.match(undo.stderr, /The journal's last record was incomplete \(cut short by a crash\) and was removed/);
    assertSameHost(await lab.snapshot(), before, "torn record, then undo");
    const journal = await journalOf(lab);
    assert.deepEqual(journal.problems, []);
    assert.equal(endState(journal.records), "undone");
  });
});

Deno.test("journal: a garbled record of one run blocks undo of that run only (exit 3, naming the line); other runs undo normally; status and journal still work", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const id1 = await applied(lab, "j1");
    const afterFirst = await lab.snapshot();
    await applied(lab, "j2");
    const lines = (await journalText(lab)).split("\n");
    const n = lines.findIndex((l) => l.includes(`"run":"${id1}"`) && l.includes('"step-done"'));
    lines[n] = lines[n].slice(0, 50) + '\u0000\u0000#garbage,,,"run":"' + id1 + '"';
    await writeJournal(lab, lines.join("\n"));
    const stderr = await undoRefused(
      lab,
      ["j1"],
      new RegExp(`Run '${id1}' \\(j1\\) has journal records nsrecipe cannot read`),
    );
    assert.match(stderr, new RegExp(`Line ${n + 1} is not valid JSON`));
    assert.match(stderr, /Undo will not act on a record it cannot fully read/);
    const undo2 = await lab.nsrecipe(["undo", "j2"]);
    assertExit(undo2, 0, "undo j2");
    assertSameHost(await lab.snapshot(), afterFirst, "undo of the readable run");
    const status = await lab.nsrecipe(["--json", "status"]);
    assertExit(status, 0, "status");
    const [st] = JSON.parse(status.stdout).runs;
    assert.equal(st.label, "j1");
    assert.ok(st.notes.some((x: string) => /not valid JSON; undo will not act on this run/.test(x)), st.notes);
    const journal = await lab.nsrecipe(["journal"]);
    assertExit(journal, 0, "journal");
    assert.match(journal.stderr, new RegExp(`Line ${n + 1} is not valid JSON`));
    // By hand, as the hint says: revert what the run made, move the journal aside; nsrecipe starts afresh.
    await lab.sh(["ip", "netns", "del", "j1"]);
    await lab.sh(["mv", "/run/nsrecipe/journal.jsonl", "/run/nsrecipe/journal.jsonl.damaged"]);
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo with a fresh journal");
    assertSameHost(await lab.snapshot(), before, "after the manual repair");
  });
});

Deno.test("journal: a record edited in place after nsrecipe checked it (same size, same file) is still refused; put back as written, the run undoes", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await applied(lab, "j1");
    // The run left the checked mark at the journal's end: the next reader has no record to check.
    const text = await journalText(lab);
    const mark = JSON.parse(await lab.readFile("/run/nsrecipe/journal.checked") ?? "null");
    assert.equal(mark?.bytes, new TextEncoder().encode(text).length);
    const edited = text.replace('"netns":"j1"', '"netns":"-1"');
    assert.ok(edited !== text && edited.length === text.length);
    await writeJournal(lab, edited);
    const malformed = /Line 1 is a malformed "run-begin" record \(steps\.0\.netns: not a name nsrecipe writes\)/;
    await undoRefused(lab, [], malformed);
    // The refused undo checked the edited journal in full and left a mark naming the problem: the next reader reads
    // through it (no check of its own), and still refuses the record rather than act on it.
    await assertMarkCovers(lab, [[1, "garbled"]]);
    await undoRefused(lab, [], malformed);
    await undoRefused(lab, ["--all"], malformed);
    await writeJournal(lab, text);
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo of the journal as nsrecipe wrote it");
    assertSameHost(await lab.snapshot(), before, "after undo");
  });
});

Deno.test("journal: undo leaves its own records beyond the checked mark, for the next command to check; the next run moves the mark to the end; undo --all of two runs undoes both, newest first", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const mark = async () => JSON.parse(await lab.readFile("/run/nsrecipe/journal.checked") ?? "null")?.bytes;
    const bytes = async () => new TextEncoder().encode(await journalText(lab)).length;
    const j1 = await applied(lab, "j1");
    const afterRun = await bytes();
    assert.equal(await mark(), afterRun, "the run checked its own records");
    assertExit(await lab.nsrecipe(["undo", "j1"]), 0, "undo j1");
    assert.ok(await bytes() > afterRun, "undo recorded its steps");
    assert.equal(await mark(), afterRun, "undo read back none of its own records");
    const j2 = await applied(lab, "j2");
    const j3 = await applied(lab, "j3");
    assert.equal(await mark(), await bytes(), "the runs checked undo's records with their own");
    const all = await lab.nsrecipe(["--json", "undo", "--all"]);
    assertExit(all, 0, "undo --all");
    const doc = JSON.parse(all.stdout);
    assert.deepEqual(doc.undone.map((u: { run: string; result: string }) => [u.run, u.result]), [
      [j3, "undone"],
      [j2, "undone"],
    ]);
    const { records } = await journalOf(lab);
    assert.deepEqual([j1, j2, j3].map((id) => endState(records, id)), ["undone", "undone", "undone"]);
    assertSameHost(await lab.snapshot(), before, "after undo --all");
  });
});

Deno.test("journal: a garbled record tied to no run blocks every undo and every run (exit 3, the same message); status warns and lists the runs", async () => {
  await withLab(async (lab) => {
    await applied(lab, "j1");
    await lab.sh(["sh", "-c", "printf '%s\\n' '@@@ not a record @@@' >> /run/nsrecipe/journal.jsonl"]);
    await undoRefused(lab, [], /records nsrecipe cannot tie to a run it can read: Line \d+ is not valid JSON/);
    await undoRefused(lab, ["--all"], /cannot tie to a run/);
    // P22: nor does run add a run nobody could undo, with or without --json.
    assert.match(await runRefused(lab, "g1", false), /cannot tie to a run it can read: Line \d+ is not valid JSON$/);
    assert.match(await runRefused(lab, "g2", true), /cannot tie to a run it can read: Line \d+ is not valid JSON$/);
    const status = await lab.nsrecipe(["status"]);
    assertExit(status, 0, "status");
    assert.match(status.stderr, /is not valid JSON; undo will not act until this is resolved/);
    assert.match(status.stdout, /^j1\s+netns\s+applied/m);
  });
});

Deno.test("journal: an empty journal file means nothing to undo, no applied runs, and runs work on it", async () => {
  await withLab(async (lab) => {
    await writeJournal(lab, "");
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, 0, "undo");
    assert.match(undo.stdout, /Nothing to undo/);
    const status = await lab.nsrecipe(["status"]);
    assertExit(status, 0, "status");
    assert.match(status.stdout, /No applied runs/);
    const journal = await lab.nsrecipe(["--json", "journal"]);
    assertExit(journal, 0, "journal");
    assert.deepEqual(JSON.parse(journal.stdout).records, []);
    const before = await lab.snapshot();
    await applied(lab, "j1");
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo");
    assertSameHost(await lab.snapshot(), before, "run and undo over an empty journal");
  });
});

Deno.test("journal: a record of a newer schema version: undo of its run is refused (exit 3) pointing to the newer nsrecipe", async () => {
  await withLab(async (lab) => {
    const id = await applied(lab, "j1");
    const newer = JSON.stringify({ v: 2, at: AT, kind: "step-undone", run: id, index: 1, how: "reverted", by: "2.0" });
    await lab.sh(["sh", "-c", `printf '%s\\n' '${newer}' >> /run/nsrecipe/journal.jsonl`]);
    const newerWords = /written by a newer nsrecipe \(record version 2, this build reads 1\)/;
    const stderr = await undoRefused(lab, [], newerWords);
    assert.match(stderr, /Undo it with the newer nsrecipe that wrote them/);
    // The mark the refused undo left names the record; read through it, the run is still refused.
    const last = (await journalText(lab)).trimEnd().split("\n").length;
    assert.match(stderr, new RegExp(`Line ${last} was written by a newer nsrecipe`));
    await assertMarkCovers(lab, [[last, "newer-version"]]);
    await undoRefused(lab, ["j1"], newerWords);
  });
});

Deno.test("journal: a forged record whose step names 'a;touch FILE' or lacks its name is refused; nothing runs, FILE never appears", async () => {
  await withLab(async (lab) => {
    const file = `/tmp/nsrecipe-pwned-${crypto.randomUUID()}`;
    for (const step of [{ kind: "netns-add", netns: `a;touch ${file}` }, { kind: "netns-add" }]) {
      const begin = {
        v: 1,
        at: AT,
        kind: "run-begin",
        run: "20261129T063300-f00d",
        recipe: "netns",
        label: "x",
        params: {},
        uses: [],
        steps: [step],
        bootId: (await lab.sh(["cat", "/proc/sys/kernel/random/boot_id"])).stdout.trim(),
        pid: 1,
      };
      const intent = { v: 1, at: AT, kind: "step-intent", run: begin.run, index: 0 };
      await writeJournal(lab, `${JSON.stringify(begin)}\n${JSON.stringify(intent)}\n`);
      await undoRefused(lab, [], /Line 1 is a malformed "run-begin" record \(steps\.0\.netns/);
    }
    assert.equal((await lab.sh(["test", "-e", file])).code, 1, `${file} never appeared`);
  });
});

Deno.test("journal: a run from before a reboot (another boot id) is closed as stale without touching the host, even if its name is taken now", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "netns", "add", "old"]);
    const before = await lab.snapshot();
    const run = "20261128T120000-0b07";
    const steps = [{ kind: "netns-add", netns: "old" }, { kind: "link-set-up", dev: "lo", netns: "old" }];
    const rec = (r: Record<string, unknown>) => JSON.stringify({ v: 1, at: AT, run, ...r });
    await writeJournal(
      lab,
      [
        rec({
          kind: "run-begin",
          recipe: "netns",
          label: "old",
          params: { name: "old" },
          uses: [],
          steps,
          bootId: "00000000-0000-0000-0000-000000000000",
          pid: 4242,
        }),
        rec({ kind: "step-intent", index: 0 }),
        rec({ kind: "step-done", index: 0 }),
        rec({ kind: "step-intent", index: 1 }),
        rec({ kind: "step-done", index: 1 }),
        rec({ kind: "run-end", state: "applied" }),
        "",
      ].join("\n"),
    );
    const status = await lab.nsrecipe(["--json", "status"]);
    assertExit(status, 0, "status");
    const [st] = JSON.parse(status.stdout).runs;
    assert.deepEqual(st.drift, []);
    assert.ok(st.notes.some((n: string) => /from before a reboot/.test(n)), st.notes);
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, 0, "undo of a stale run");
    assert.match(undo.stdout, /Closed .* from before a reboot, its objects are gone; nothing was touched/);
    assertSameHost(await lab.snapshot(), before, "undo of a stale run");
    assert.equal(endState((await journalOf(lab)).records), "stale");
    assert.match((await lab.nsrecipe(["undo"])).stdout, /Nothing to undo/);
  });
});
