import assert from "node:assert/strict";
import { stateDirOf } from "../../src/cli/report.ts";
import { DEFAULT_STATE_DIR } from "../../src/journal/paths.ts";

Deno.test("the state directory an error's advice names is the one the command line gives, in either spelling", () => {
  // `--state-dir=DIR` is read by commander and by the fast path alike: the advice must name it too.
  assert.equal(stateDirOf(["--state-dir=/run/nsrecipe/alt", "status", "web"]), "/run/nsrecipe/alt");
  assert.equal(stateDirOf(["exec", "web", "--state-dir=/run/nsrecipe/b", "--", "true"]), "/run/nsrecipe/b");
  assert.equal(stateDirOf(["--state-dir", "/run/nsrecipe/c", "undo"]), "/run/nsrecipe/c");
  assert.equal(stateDirOf(["confirm", "--state-dir", "/run/nsrecipe/d"]), "/run/nsrecipe/d");
  assert.equal(stateDirOf(["status"]), DEFAULT_STATE_DIR);
});

Deno.test("a --state-dir after '--' belongs to the command run inside, not to nsrecipe's advice", () => {
  assert.equal(stateDirOf(["exec", "web", "--", "tool", "--state-dir", "/tmp/tool"]), DEFAULT_STATE_DIR);
  assert.equal(stateDirOf(["run", "netns", "--name", "w", "--", "tool", "--state-dir=/tmp/tool"]), DEFAULT_STATE_DIR);
  assert.equal(
    stateDirOf(["--state-dir", "/run/nsrecipe/e", "exec", "web", "--", "tool", "--state-dir", "/tmp/tool"]),
    "/run/nsrecipe/e",
  );
});
