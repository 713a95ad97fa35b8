import assert from "node:assert/strict";
import { KNOWN_PROGRAMS } from "../../src/cli/programs.ts";
import { FAULT_ENV } from "../../src/engine/mod.ts";
import { STATE_DIR_ROOTS } from "../../src/journal/mod.ts";

const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
const perms = config.permissions.default;

Deno.test("the state directories nsrecipe accepts are exactly those the permission set may write", () => {
  assert.deepEqual([...STATE_DIR_ROOTS].sort(), [...perms.write].sort());
});

Deno.test("the programs nsrecipe knows are exactly those the permission set may run", () => {
  assert.deepEqual([...KNOWN_PROGRAMS].sort(), [...perms.run].sort());
});

Deno.test("the permission set grants no net or ffi, reads the fault variable, and lets the YAML parser's debug variables and the terminal colour probe's (node:tty getColorDepth, which commander's help calls) read as unset", () => {
  assert.equal(perms.net, undefined);
  assert.equal(perms.ffi, undefined);
  assert.ok(perms.env.allow.includes(FAULT_ENV));
  assert.deepEqual([...perms.env.ignore].sort(), [
    "CI",
    "COLORTERM",
    "LOG_STREAM",
    "LOG_TOKENS",
    "TEAMCITY_VERSION",
    "TERM_PROGRAM",
    "TF_BUILD",
    "TMUX",
  ]);
});

Deno.test("every program the permission set may run names its Debian package (install hints), arping's among them", async () => {
  const { PACKAGE_OF } = await import("../../src/exec/mod.ts");
  assert.deepEqual([...perms.run].filter((p: string) => !PACKAGE_OF[p]), []);
  assert.equal(PACKAGE_OF.arping, "iputils-arping");
  const ci = await Deno.readTextFile(new URL("../../.ci/run", import.meta.url));
  assert.match(ci, /command -v arping >\/dev\/null \|\| need_apt\+=\(iputils-arping\)/, ".ci/run installs it");
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  assert.ok(readme.includes("`iputils-arping`"), "README lists it");
});

Deno.test("README's permission paragraph names exactly the programs deno.json lets nsrecipe run", async () => {
  const root = new URL("../../", import.meta.url);
  const allowed = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))).permissions.default.run as string[];
  const readme = await Deno.readTextFile(new URL("README.md", root));
  const start = readme.indexOf("`deno task lab` and `deno task compile`: `run` only");
  const end = readme.indexOf("`read` only `/run`", start);
  assert.ok(start > 0 && end > start, "the permission paragraph is found");
  // Every one-word code span there is a program, but the permission key `run` itself.
  const programs = new Set(
    [...readme.slice(start, end).matchAll(/`([a-z][a-z0-9-]*)`/g)].map((m) => m[1]).filter((w) => w !== "run"),
  );
  assert.deepEqual([...programs].toSorted(), [...allowed].toSorted());
});
