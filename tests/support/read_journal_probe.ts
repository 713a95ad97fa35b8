/**
 * Reads a state directory's journal as `status` does (`readJournal`, no
 * lock) in a fresh process and prints what it found and whether zod was
 * loaded to find it: zod marks its global configuration
 * (`globalThis.__zod_globalConfig`) when it loads.
 *
 * Usage: `deno run -A tests/support/read_journal_probe.ts STATE_DIR`; prints
 * `{"zod":false,"records":3,"problems":["garbled@2"]}`.
 * @module
 */
import { readJournal } from "../../src/journal/store.ts";

const read = await readJournal(Deno.args[0]);
console.log(JSON.stringify({
  zod: "__zod_globalConfig" in globalThis,
  records: read.records.length,
  problems: read.problems.map((p) => `${p.kind}@${p.line}`),
}));
