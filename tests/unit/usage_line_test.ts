import assert from "node:assert/strict";
import { Command } from "@commander-js/extra-typings";
import { neededArgument, usageLine, usageTerm } from "../../src/cli/usage_line.ts";

Deno.test("usageTerm: operands in capitals, optional ones bracketed, then [options] (only for options of its own), then what goes after '--'", () => {
  const program = new Command().name("tool").option("--json");
  const exec = program.command("exec").argument("<run>").argument("[command...]");
  neededArgument(exec.registeredArguments[1]);
  const status = program.command("status").argument("[run]").option("--deep");
  const list = program.command("list");
  const plan = program.command("plan").argument("[recipe]");
  neededArgument(plan.registeredArguments[0]);
  const netns = plan.command("netns").option("--name <name>").argument("[command...]");
  assert.equal(usageTerm(exec), "RUN -- CMD...");
  assert.equal(usageTerm(status), "[RUN] [options]");
  assert.equal(usageTerm(list), "");
  assert.equal(usageTerm(netns), "[options] [-- CMD...]");
  assert.equal(usageTerm(plan), "RECIPE [options] [-- CMD...]");
  assert.equal(usageTerm(program), "COMMAND [options]");
  assert.equal(usageLine(netns), "tool plan netns [options] [-- CMD...]");
  assert.equal(usageLine(list), "tool list");
  // Optional operands in a row nest: the second is given only after the first.
  const help = program.command("help").argument("[command]").argument("[recipe]");
  assert.equal(usageTerm(help), "[COMMAND [RECIPE]]");
  const two = program.command("two").argument("<run>").argument("[a]").argument("[b]").argument("[c]").option("--x");
  assert.equal(usageTerm(two), "RUN [A [B [C]]] [options]");
});

/** nsrecipe's output for `args` (help and the manual page: nothing on the host is read). */
async function nsrecipe(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P", "--no-prompt", new URL("../../main.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("--help's list of commands and the manual page's headings show every command in the one style", async () => {
  const [help, page] = await Promise.all([nsrecipe(["--help"]), nsrecipe(["man"])]);
  assert.match(help, /^Usage: nsrecipe COMMAND \[options\]\n/);
  const commands = help.slice(help.indexOf("Commands:\n"), help.indexOf("\n\n", help.indexOf("Commands:\n")));
  const terms = commands.split("\n").slice(1).filter((l) => /^ {2}\S/.test(l))
    .map((l) => l.trim().split(/ {2,}/)[0]);
  assert.deepEqual(terms, [
    "list",
    "show RECIPE",
    "plan RECIPE [options]",
    "run RECIPE [options] [-- CMD...]",
    "rehearse RECIPE [options]",
    "exec RUN -- CMD...",
    "shell RUN [options]",
    "undo [RUN] [options]",
    "confirm [RUN]",
    "status [RUN] [options]",
    "doctor [options]",
    "journal [RUN]",
    "lab [options] [-- ARGS...]",
    "man",
    "completions SHELL",
    "help [COMMAND [RECIPE]]",
  ]);
  assert.match(page, /\.SH SYNOPSIS\n\.B nsrecipe\nCOMMAND \[options\]\n/);
  const headings = [...page.matchAll(/^\.SS (.*)$/gm)].map((m) => m[1].replaceAll("\\-", "-"));
  const recipes = ["pid-only", "netns", "veth-bridge", "full-migrate"];
  assert.deepEqual(headings, [
    "nsrecipe list",
    "nsrecipe show RECIPE",
    "nsrecipe plan RECIPE [options]",
    ...recipes.map((r) => `nsrecipe plan ${r} [options]`),
    "nsrecipe run RECIPE [options] [-- CMD...]",
    ...recipes.map((r) => `nsrecipe run ${r} [options] [-- CMD...]`),
    "nsrecipe rehearse RECIPE [options]",
    ...recipes.map((r) => `nsrecipe rehearse ${r} [options]`),
    "nsrecipe exec RUN -- CMD...",
    "nsrecipe shell RUN [options]",
    "nsrecipe undo [RUN] [options]",
    "nsrecipe confirm [RUN]",
    "nsrecipe status [RUN] [options]",
    "nsrecipe doctor [options]",
    "nsrecipe journal [RUN]",
    "nsrecipe lab [options] [-- ARGS...]",
    "nsrecipe man",
    "nsrecipe completions SHELL",
  ]);
  // Commander's own style nowhere: `[options] <run>`, `[run]`, `[command...]`, lower-case arguments.
  assert.doesNotMatch(help + page, /<run>|\[run\]|<recipe>|\[command\.\.\.\]|\[options\] (<|\[[a-z])/);
  assert.match(page, /^\.SS nsrecipe exec RUN \\-\\- CMD\.\.\.\n.*\n\.TP\n\\fIRUN\\fR\n.*\n\.TP\n\\fICMD\\fR\n/m);
});
