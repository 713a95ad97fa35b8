import assert from "node:assert/strict";
import { jsonDocument, Output } from "../../src/cli/output.ts";

Deno.test("jsonDocument: success carries ok, the exit code, whose it is, and the subcommand's fields", () => {
  assert.deepEqual(jsonDocument(0, { runs: [] }, undefined, "nsrecipe"), {
    ok: true,
    exitCode: 0,
    exitFrom: "nsrecipe",
    runs: [],
  });
  assert.deepEqual(jsonDocument(0, [{ name: "netns" }], undefined, "nsrecipe"), {
    ok: true,
    exitCode: 0,
    exitFrom: "nsrecipe",
    items: [{ name: "netns" }],
  });
});

Deno.test("jsonDocument: a command's own non-zero exit is ok (it ran); nsrecipe's is not", () => {
  assert.deepEqual(jsonDocument(3, { command: { exitCode: 3 } }, undefined, "command"), {
    ok: true,
    exitCode: 3,
    exitFrom: "command",
    command: { exitCode: 3 },
  });
  const failed = jsonDocument(3, undefined, { kind: "PreconditionError", message: "taken", hint: "h" }, "nsrecipe");
  assert.equal(failed.ok, false);
  assert.deepEqual(failed.error, { kind: "PreconditionError", message: "taken", hint: "h" });
  assert.equal(jsonDocument(3, {}, undefined, "nsrecipe").ok, false);
});

Deno.test("Output.data merges objects recorded by one invocation, so it writes a single document", () => {
  const out = new Output(true, false, false);
  const printed: string[] = [];
  const log = console.log;
  console.log = (s: string) => printed.push(s);
  try {
    out.data({ run: "r1", label: "web" });
    out.data({ confirmed: "r1" });
    out.exitIsCommands();
    out.finish(7);
  } finally {
    console.log = log;
  }
  assert.equal(printed.length, 1);
  assert.deepEqual(JSON.parse(printed[0]), {
    ok: true,
    exitCode: 7,
    exitFrom: "command",
    run: "r1",
    label: "web",
    confirmed: "r1",
  });
});

Deno.test("Output: colour follows each stream (painted text is plain on a stream that is not a TTY)", () => {
  const out = new Output(false, { stdout: false, stderr: true }, false);
  const seen: { out: string[]; err: string[] } = { out: [], err: [] };
  const [log, error] = [console.log, console.error];
  console.log = (s: string) => seen.out.push(s);
  console.error = (s: string) => seen.err.push(s);
  try {
    out.result(out.paint("green", "PASS"));
    out.progress(out.paint("red", "FAIL"));
  } finally {
    [console.log, console.error] = [log, error];
  }
  assert.deepEqual(seen.out, ["PASS"]);
  assert.equal(seen.err[0], "\x1b[31mFAIL\x1b[39m");
});
