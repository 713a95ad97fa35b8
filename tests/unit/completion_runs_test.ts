import assert from "node:assert/strict";
import { runNames } from "../../src/cli/completion.ts";
import { withStateDir } from "../support/state_dir.ts";
import { netnsRunBegin } from "../support/run_begin.ts";

const NOW = Date.parse("2026-12-03T12:00:00.000Z");
const line = (o: Record<string, unknown>) => JSON.stringify({ v: 1, at: "2026-12-03T11:00:00.000Z", ...o });
/** A netns run with id `run` and name `label` (default: the id), applied; closed (undone) when `closed`. */
const runOf = (run: string, closed = false, label = run) => [
  line(netnsRunBegin(run, { label })),
  line({ kind: "step-intent", run, index: 0 }),
  line({ kind: "step-done", run, index: 0 }),
  line({ kind: "run-end", run, state: "applied" }),
  ...closed
    ? [line({ kind: "step-undone", run, index: 0, how: "reverted" }), line({ kind: "run-end", run, state: "undone" })]
    : [],
];

Deno.test("runNames: applied runs for undo and the like, windows before their deadline for confirm, every run once for journal", () =>
  withStateDir("nsrecipe-completion-", async (dir) => {
    const lines = [
      ...runOf("old", true),
      ...runOf("web"),
      ...runOf("late"),
      line({ kind: "confirm-wait", run: "late", deadline: NOW - 1_000, watchdogPid: 9 }),
      ...runOf("win"),
      line({ kind: "confirm-wait", run: "win", deadline: NOW + 60_000, watchdogPid: 9 }),
      ...runOf("old2", false, "old"),
    ];
    Deno.writeTextFileSync(`${dir}/journal.jsonl`, lines.join("\n") + "\n", { mode: 0o600 });
    const names = await runNames(dir, NOW);
    const labels = (c: [string, string][]) => c.map(([n]) => n);
    assert.deepEqual(labels(names.open), ["old", "win", "late", "web"]);
    assert.deepEqual(labels(names.windows), ["win"], "a window past its deadline cannot be confirmed");
    assert.deepEqual(labels(names.all), ["old", "win", "late", "web"], "each name once, the newest run's");
    assert.equal(names.all[0][1], "netns run old2");
    // No journal, or one that cannot be read: no names, no error.
    assert.deepEqual(await runNames(`${dir}/none`, NOW), { open: [], windows: [], all: [] });
  }));
