import assert from "node:assert/strict";
import { shortUsage, SYNOPSIS } from "../../src/cli/program.ts";

Deno.test("the short usage lists the commands exactly as README's 'Command line' synopsis does, exec, shell and completions among them", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const start = readme.indexOf("## Command line\n\n");
  assert.ok(start > 0, "README has a 'Command line' section");
  const block = readme.slice(start).split("\n").slice(2, 2 + SYNOPSIS.length).map((l) => l.trim());
  assert.deepEqual(block, [...SYNOPSIS]);
  const usage = shortUsage([]);
  assert.match(usage, /^Usage: nsrecipe COMMAND \[options\]\n/);
  for (const word of ["exec RUN -- CMD...", "shell RUN [options]", "journal [RUN]", "completions SHELL"]) {
    assert.ok(usage.includes(word), word);
  }
});
