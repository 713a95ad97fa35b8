/**
 * Reads a state directory's journal in a fresh process and prints what it
 * found and whether zod was loaded to find it (zod marks its global
 * configuration, `globalThis.__zod_globalConfig`, when it loads).
 *
 * Usage: `deno run -A tests/support/read_journal_probe.ts read|append|history STATE_DIR`:
 * `read` reads as `status` does (`readJournal`, no lock) and prints
 * `{"zod":false,"records":3,"problems":["garbled@2"]}`; `append` appends a
 * `run-end` record under the lock and checkpoints, as `undo` does, and prints
 * `{"zod":false,"mark":1234}` (the checked mark's length afterwards);
 * `history` reads the whole history as `nsrecipe journal` does (`readJournal`, then `readHistory`) and prints
 * `{"zod":false,"records":3,"segments":["journal.archive-1.jsonl"],"problems":["journal.archive-1.jsonl:garbled@2"]}`.
 * @module
 */
import { Journal, readJournal } from "../../src/journal/store.ts";
import { readHistory } from "../../src/journal/compaction.ts";
import { readMark } from "../../src/journal/checked_mark.ts";

const [mode, dir] = Deno.args;
if (mode === "append") {
  const journal = await Journal.open(dir);
  try {
    await journal.read();
    await journal.append({ kind: "run-end", run: "r1", state: "undone" });
    await journal.checkpoint();
  } finally {
    journal.close();
  }
  console.log(JSON.stringify({ zod: "__zod_globalConfig" in globalThis, mark: (await readMark(dir))?.bytes }));
} else if (mode === "history") {
  const history = await readHistory(dir, (await readJournal(dir)).records);
  console.log(JSON.stringify({
    zod: "__zod_globalConfig" in globalThis,
    records: history.records.length,
    segments: history.segments,
    problems: history.problems.map((p) => `${p.file}:${p.kind}@${p.line}`),
  }));
} else {
  const read = await readJournal(dir);
  console.log(JSON.stringify({
    zod: "__zod_globalConfig" in globalThis,
    records: read.records.length,
    problems: read.problems.map((p) => `${p.kind}@${p.line}`),
  }));
}
