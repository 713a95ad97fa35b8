import assert from "node:assert/strict";
import { Command } from "@commander-js/extra-typings";
import { manualPage, roffEscape } from "../../src/cli/manual.ts";

Deno.test("roffEscape writes minus signs, backslashes and guards a leading control character", () => {
  assert.equal(roffEscape("--dry-run"), "\\-\\-dry\\-run");
  assert.equal(roffEscape("a\\b"), "a\\eb");
  assert.equal(roffEscape(".TH injected"), "\\&.TH injected");
  assert.equal(roffEscape("'quoted"), "\\&'quoted");
});

Deno.test("manualPage lists every visible command, nested ones with their full name, with arguments and options", () => {
  const program = new Command().name("tool").option("--json", "machine output");
  const run = program.command("run").description("run things");
  run.command("fast").description("quickly").argument("[cmd...]", "what to run").option("--rm", "remove after");
  program.command("secret").description("hidden one");
  const hiddenParent = new Command("hidden");
  program.addCommand(hiddenParent, { hidden: true });
  const page = manualPage(program, "1.2.3", {
    summary: "a tool",
    description: ["It does."],
    sections: [["EXIT STATUS", ["0 ok"]]],
  });
  assert.match(page, /^\.TH TOOL 1 "" "tool 1\.2\.3" "User Commands"\n\.SH NAME\ntool \\- a tool\n/);
  assert.match(page, /\.SH GLOBAL OPTIONS\n\.TP\n\\fB\\-\\-json\\fR\nmachine output\n/);
  assert.match(
    page,
    /\.SS tool run fast \[options\] \[cmd\.\.\.\]\nquickly\n\.TP\n\\fIcmd\\fR\nwhat to run\n\.TP\n\\fB\\-\\-rm\\fR\nremove after\n/,
  );
  assert.match(page, /\.SS tool secret /);
  assert.doesNotMatch(page, /tool hidden/);
  assert.match(page, /\.SH EXIT STATUS\n\.PP\n0 ok\n$/);
});
