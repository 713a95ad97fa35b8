import assert from "node:assert/strict";

/** nsrecipe's exit code, stdout and stderr for `args` (only lines that read nothing of the host). */
async function nsrecipe(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P", "--no-prompt", new URL("../../main.ts", import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("complete --help speaks as nsrecipe: what it prints and for whom, its words after '--' (not the completion library's 'Generate completion suggestions')", async () => {
  const r = await nsrecipe(["complete", "--help"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    `Usage: nsrecipe complete -- ARGS...

print the candidates that complete a command line, one 'value<TAB>description' a
line, then ':N' (the directive for the shell); the completion scripts run it at
each TAB

Arguments:
  ARGS        the command line's words after 'nsrecipe', the last the word being
              completed ('' for a new one)

Options:
  -h, --help  display help for command
`,
  );
});

Deno.test("complete without '--' is a usage error in nsrecipe's words, naming 'completions' for a shell's name (exit 2)", async () => {
  const lead = "nsrecipe: 'complete' takes the words to complete after '--', e.g. nsrecipe complete -- status ''\n";
  for (
    const [args, hint] of [
      [["complete", "bash"], "For the completion script of bash: nsrecipe completions bash."],
      [
        ["complete", "st"],
        "For a shell's completion script: nsrecipe completions SHELL (bash, zsh, fish, powershell).",
      ],
      [["complete"], "For a shell's completion script: nsrecipe completions SHELL (bash, zsh, fish, powershell)."],
    ] as const
  ) {
    const r = await nsrecipe([...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.stderr, `${lead}  ${hint}\n`, args.join(" "));
    assert.equal(r.stdout, "", args.join(" "));
  }
});
