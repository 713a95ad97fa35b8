import assert from "node:assert/strict";
import { enterPrefix, pidNamespaceInit } from "../../src/cli/exec.ts";
import { whereEnv } from "../../src/exec/mod.ts";

Deno.test("pidNamespaceInit picks the process that is PID 1 of a nested PID namespace (NSpid ends in 1)", () => {
  const status = (nspid: string) => `Name:\tx\nNSpid:\t${nspid}\nPPid:\t1\n`;
  assert.equal(
    pidNamespaceInit([[40, status("40")], [41, status("41\t1")], [42, status("42\t2")], [39, status("39\t1")]]),
    39,
  );
  assert.equal(pidNamespaceInit([[40, status("40")], [42, status("42\t2")]]), undefined);
  assert.equal(pidNamespaceInit([[7, "Name:\told kernel without NSpid\n"]]), undefined);
  assert.equal(pidNamespaceInit([]), undefined);
});

Deno.test("enterPrefix joins a live PID namespace with nsenter, else starts a new one as run does", () => {
  assert.deepEqual(enterPrefix("web", 1234), ["nsenter", "--target", "1234", "--pid", "--mount", "--net", "--"]);
  assert.deepEqual(enterPrefix("web", undefined), [
    "ip",
    "netns",
    "exec",
    "web",
    "unshare",
    "--fork",
    "--pid",
    "--mount-proc",
    "--kill-child",
    "--",
  ]);
});

Deno.test("whereEnv names the place for the prompt of sh, Debian's bash (debian_chroot) and anyone's own", () => {
  assert.deepEqual(whereEnv("nsrecipe:web"), {
    NSRECIPE_RUN: "nsrecipe:web",
    PS1: "[nsrecipe:web] # ",
    debian_chroot: "nsrecipe:web",
  });
});
