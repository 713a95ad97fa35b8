import assert from "node:assert/strict";
import { CommandError } from "../../src/errors.ts";
import type { ExecResult, Runner } from "../../src/exec/mod.ts";
import { oneShellScript, replayRunner, runInOneShell } from "../support/one_shell.ts";

Deno.test("oneShellScript: one line a read, its stdin from its file or /dev/null, the empty argument quoted", () => {
  assert.equal(
    oneShellScript([{ argv: ["grep", "-r", "", "/proc/sys/net"] }, {
      argv: ["ip", "-batch", "-"],
      stdin: "link show\n",
    }], "/tmp/d"),
    "grep -r '' /proc/sys/net </dev/null >/tmp/d/0.out 2>/tmp/d/0.err; echo $? >/tmp/d/0.rc\n" +
      "ip -batch - </tmp/d/1.in >/tmp/d/1.out 2>/tmp/d/1.err; echo $? >/tmp/d/1.rc",
  );
});

Deno.test("runInOneShell: each read's stdout, trimmed stderr and exit code, its stdin given; its folder removed", async () => {
  const under = await Deno.makeTempDir();
  try {
    const results = await runInOneShell([], [
      { argv: ["sh", "-c", "echo out; echo '  err ' >&2; exit 3"] },
      { argv: ["cat"], stdin: "a\nb\n" },
      { argv: ["cat"] },
    ], under);
    assert.deepEqual(results.map(({ argv, code, stdout, stderr }) => ({ argv, code, stdout, stderr })), [
      { argv: ["sh", "-c", "echo out; echo '  err ' >&2; exit 3"], code: 3, stdout: "out\n", stderr: "err" },
      { argv: ["cat"], code: 0, stdout: "a\nb\n", stderr: "" },
      { argv: ["cat"], code: 0, stdout: "", stderr: "" },
    ]);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(under)), []);
  } finally {
    await Deno.remove(under, { recursive: true });
  }
});

Deno.test("replayRunner: answers each read once by argv and stdin, checks okCodes as the runner does, runs the rest with the fallback", async () => {
  const result = (argv: string[], code: number, stdout: string): ExecResult => ({
    argv,
    code,
    stdout,
    stderr: "no",
    durationMs: 1,
  });
  const fallbackCalls: string[][] = [];
  const fallback: Runner = (argv) => {
    fallbackCalls.push([...argv]);
    return Promise.resolve(result([...argv], 0, "fallback"));
  };
  const run = replayRunner(
    [{ argv: ["ip", "-batch", "-"], stdin: "a\n" }, { argv: ["nft", "list", "ruleset"] }],
    [result(["ip", "-batch", "-"], 0, "batch"), result(["nft", "list", "ruleset"], 1, "")],
    fallback,
  );
  assert.equal((await run(["ip", "-batch", "-"], { stdin: "a\n" })).stdout, "batch");
  assert.equal((await run(["ip", "-batch", "-"], { stdin: "a\n" })).stdout, "fallback", "each answer once");
  assert.equal(
    (await run(["ip", "-batch", "-"], { stdin: "b\n" })).stdout,
    "fallback",
    "another stdin is another read",
  );
  await assert.rejects(run(["nft", "list", "ruleset"]), (e) => e instanceof CommandError && e.code === 1);
  assert.deepEqual(fallbackCalls, [["ip", "-batch", "-"], ["ip", "-batch", "-"]]);
});
