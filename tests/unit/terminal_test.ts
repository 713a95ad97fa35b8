import assert from "node:assert/strict";
import { onOwnTerminal, posixQuote } from "../../src/exec/mod.ts";
import { executableTest } from "../../src/cli/programs.ts";

Deno.test("posixQuote single-quotes every word, writing ' as '\\''", () => {
  assert.equal(posixQuote("a b"), "'a b'");
  assert.equal(posixQuote("it's"), `'it'\\''s'`);
  assert.equal(posixQuote("$(rm -rf /)"), "'$(rm -rf /)'");
  assert.equal(posixQuote(""), "''");
});

Deno.test("onOwnTerminal runs the command under script(1) with /bin/sh, exec'ing the quoted argv with SHELL restored", () => {
  assert.deepEqual(onOwnTerminal(["/bin/bash"], { SHELL: "/bin/bash" }), [
    "env",
    "SHELL=/bin/sh",
    "script",
    "--quiet",
    "--return",
    "--command",
    "SHELL='/bin/bash' exec '/bin/bash'",
    "/dev/null",
  ]);
  assert.equal(
    onOwnTerminal(["ip", "-br", "a; reboot"], { SHELL: undefined, NSRECIPE_RUN: "web" })[6],
    "unset SHELL; NSRECIPE_RUN='web' exec 'ip' '-br' 'a; reboot'",
  );
});

Deno.test("executableTest checks a path as given and a bare name in each PATH directory, once each", () => {
  assert.deepEqual(executableTest("/bin/sh", "/usr/bin:/bin"), ["(", "-f", "/bin/sh", "-a", "-x", "/bin/sh", ")"]);
  assert.deepEqual(executableTest("ping", "/usr/bin/:/bin::"), [
    ...["(", "-f", "/usr/bin/ping", "-a", "-x", "/usr/bin/ping", ")"],
    ...["-o", "(", "-f", "/bin/ping", "-a", "-x", "/bin/ping", ")"],
    // Two empty entries are one current directory: asked once.
    ...["-o", "(", "-f", "./ping", "-a", "-x", "./ping", ")"],
  ]);
  assert.deepEqual(executableTest("./x", ""), ["(", "-f", "./x", "-a", "-x", "./x", ")"]);
});
