/**
 * `--dry-run undo` shows what each step's revert would run: a kind's `inverse` commands, or its `preview` where revert
 * does more than run commands (waits, reads, a secret passed on stdin). A kind with neither showed only
 * "undo: revert: SUMMARY", no command: re-adding an address removed from the uplink, and putting back a link's sysctl.
 */
import assert from "node:assert/strict";
import type { StepContext } from "../../src/steps/mod.ts";
import { kindOf, type Step, STEP_KINDS } from "../../src/steps/mod.ts";

/** A context whose every process fails the test: a preview only words what revert would run. */
const noProcess = {
  run: (argv: string[]) => Promise.reject(new Error(`no process may run: ${argv.join(" ")}`)),
} as unknown as StepContext;

Deno.test("every step kind shows in a dry run what its revert does: its inverse's commands, or a preview", () => {
  assert.ok(STEP_KINDS.length >= 17, STEP_KINDS.join(" "));
  const blind = STEP_KINDS.filter((kind) => {
    const k = kindOf({ kind } as Step);
    return k.inverse === undefined && k.preview === undefined;
  });
  assert.deepEqual(blind, []);
});

Deno.test("addr-del's preview: the address re-added as it was captured, with its own flags and no new DAD round, then the wait", async () => {
  const step: Step = {
    kind: "addr-del",
    dev: "eth0",
    addr: { family: "inet6", local: "2001:db8:1::10", prefixlen: 64 },
  } as Step;
  const captured = { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, noprefixroute: true };
  assert.deepEqual(await kindOf(step).preview!(step, noProcess, captured), [
    "$ ip addr add 2001:db8:1::10/64 noprefixroute nodad dev eth0",
    "$ ip addr change 2001:db8:1::10/64 noprefixroute dev eth0",
    "then waits until 2001:db8:1::10 is usable on 'eth0'",
  ]);
});

Deno.test("link-sysctl-set's preview: the captured value written back; a secret's value is not shown, an unset secret stays", async () => {
  const rpFilter = {
    kind: "link-sysctl-set",
    tree: "net.ipv4.conf",
    dev: "br0",
    name: "rp_filter",
    value: "2",
  } as Step;
  assert.deepEqual(await kindOf(rpFilter).preview!(rpFilter, noProcess, "1"), [
    "$ sysctl -q -w net/ipv4/conf/br0/rp_filter=1",
  ]);
  const secret = {
    kind: "link-sysctl-set",
    tree: "net.ipv6.conf",
    dev: "br0",
    name: "stable_secret",
    value: "2001:db8::1",
  } as Step;
  const lines = await kindOf(secret).preview!(secret, noProcess, "2001:db8::2");
  assert.deepEqual(lines, ["$ sysctl -q -p - (writing net/ipv6/conf/br0/stable_secret = (secret))"]);
  assert.deepEqual(await kindOf(secret).preview!(secret, noProcess, ""), [
    "nothing: a secret cannot be unset; it goes with the link",
  ]);
});
