import assert from "node:assert/strict";
import { Command } from "@commander-js/extra-typings";
import { UsageError } from "../../src/errors.ts";
import { refuseRepeatedOptions } from "../../src/cli/repeated_options.ts";

function program(): Command<any, any, any> {
  const root = new Command().exitOverride().option("--dir <dir>", "a directory", "/d");
  root.command("sub").option("-f, --file <file>").option("--keep <seconds>").option("--no-keep").option("--flag")
    .action(() => {});
  refuseRepeatedOptions(root);
  return root;
}

Deno.test("a value-taking option given twice is refused naming it and both values, at any depth and in any spelling", () => {
  const cases: [string[], string][] = [
    [["--dir", "a", "--dir=b", "sub"], "--dir is given twice ('a', then 'b'); it takes one value"],
    [["sub", "-f", "x", "--file", "y"], "--file is given twice ('x', then 'y'); it takes one value"],
    [["sub", "--keep", "5", "--keep", "5"], "--keep is given twice ('5', then '5'); it takes one value"],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => program().parse(args, { from: "user" }), (e) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.equal(e.message, message);
      assert.equal(e.exitCode, 2);
      return true;
    }, args.join(" "));
  }
});

Deno.test("flags, a negated flag and options given once are not refused; the default does not count as a first value", () => {
  const root = program();
  root.parse(["--dir", "a", "sub", "--flag", "--flag", "--keep", "5", "--no-keep", "-f", "x"], { from: "user" });
  assert.equal(root.opts().dir, "a");
  assert.equal(root.commands[0].opts().file, "x");
  assert.equal(root.commands[0].opts().keep, false);
});
