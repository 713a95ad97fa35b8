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

Deno.test("--shell's default, read from $SHELL when the command runs, is shown as such in help and the manual page, never as the builder's shell", async () => {
  const { selfArgv } = await import("../../src/lab/mod.ts");
  const [deno, ...args] = selfArgv();
  const shown = async (...argv: string[]) => {
    const out = await new Deno.Command(deno, {
      args: [...args, ...argv],
      env: { SHELL: "/opt/builder/zsh" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    return new TextDecoder().decode(out.stdout).replace(/\s+/g, " ");
  };
  const page = await shown("man");
  assert.doesNotMatch(page, /\/opt\/builder\/zsh/);
  // run's and shell's --shell, in the manual's own sections and in each recipe's `run` section.
  assert.equal(page.match(/\(default: \$SHELL, else \/bin\/bash\)/g)?.length, 5);
  assert.match(
    await shown("help", "run", "netns"),
    /--shell <path> shell to start when no command is given \(default: \$SHELL, else \/bin\/bash\)/,
  );
  assert.match(
    await shown("help", "shell"),
    /--shell <path> the shell to start \(default: \$SHELL, else \/bin\/bash\)/,
  );
});
