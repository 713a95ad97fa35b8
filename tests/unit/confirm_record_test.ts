import assert from "node:assert/strict";
import { describeRecord } from "../../src/cli/journal.ts";
import { foldRuns } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";

const AT = "2026-11-30T20:59:54.000Z";
const BEGIN = JSON.stringify({
  v: 1,
  kind: "run-begin",
  run: "r1",
  at: AT,
  recipe: "netns",
  label: "fm",
  params: {},
  uses: [],
  steps: [],
  bootId: "b",
  pid: 1,
});
const WAIT = JSON.stringify({ v: 1, kind: "confirm-wait", run: "r1", at: AT, deadline: 1, watchdogPid: 2 });

/** The journal of one run with a window, ended by `last` (the fields of its final record). */
function ended(last: Record<string, unknown>) {
  const p = parseJournal([BEGIN, WAIT, JSON.stringify({ v: 1, run: "r1", at: AT, ...last })].join("\n") + "\n");
  assert.deepEqual(p.problems, []);
  return { record: p.records[2], confirm: foldRuns(p).runs[0].confirm };
}

Deno.test("a confirm-expired record of an earlier version (no 'how') still parses, and reads as the deadline passing", () => {
  const { record, confirm } = ended({ kind: "confirm-expired" });
  assert.equal(confirm?.how, "expired");
  assert.equal(confirm?.state, "expired");
  assert.equal(describeRecord(record), "not confirmed in time: undoing");
});

Deno.test("a refusal at the prompt is recorded apart from an expiry: prompt-no, prompt-interrupt", () => {
  const no = ended({ kind: "confirm-expired", how: "prompt-no" });
  assert.equal(no.confirm?.how, "prompt-no");
  assert.equal(describeRecord(no.record), "refused at the prompt: undoing");
  const c = ended({ kind: "confirm-expired", how: "prompt-interrupt" });
  assert.equal(c.confirm?.how, "prompt-interrupt");
  // A record of an earlier version names no signal: only Ctrl-C (SIGINT) ended the prompt then.
  assert.equal(describeRecord(c.record), "interrupted at the prompt (SIGINT): undoing");
  const term = ended({ kind: "confirm-expired", how: "prompt-interrupt", signal: "SIGTERM" });
  assert.equal(term.confirm?.how, "prompt-interrupt");
  assert.equal(describeRecord(term.record), "interrupted at the prompt (SIGTERM): undoing");
  const hup = ended({ kind: "confirm-expired", how: "prompt-interrupt", signal: "SIGHUP" });
  assert.equal(describeRecord(hup.record), "interrupted at the prompt (SIGHUP, the terminal hung up): undoing");
  assert.equal(ended({ kind: "confirm-expired", how: "deadline" }).confirm?.how, "expired");
});

Deno.test("yes typed at the prompt and 'nsrecipe confirm' are recorded apart", () => {
  const yes = ended({ kind: "run-confirmed", by: "tty" });
  assert.deepEqual([yes.confirm?.how, yes.confirm?.decidedAt], ["prompt-yes", AT]);
  assert.equal(describeRecord(yes.record), "confirmed (yes typed at the prompt)");
  const cmd = ended({ kind: "run-confirmed", by: "command" });
  assert.equal(cmd.confirm?.how, "command");
  assert.equal(describeRecord(cmd.record), "confirmed (nsrecipe confirm)");
});

Deno.test("a confirm-expired record with an unknown 'how' is a journal problem, not read as an expiry", () => {
  const p = parseJournal(
    [BEGIN, WAIT, JSON.stringify({ v: 1, kind: "confirm-expired", run: "r1", at: AT, how: "maybe" })]
      .join("\n") + "\n",
  );
  assert.equal(p.records.length, 2);
  assert.equal(p.problems.length, 1);
});
