import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import type { TestLab } from "../support/lab.ts";

/** Every `net.ipv4.conf.*.forwarding` of the lab host, as `{ dev: value }`. */
async function forwarding(lab: TestLab): Promise<Record<string, string>> {
  const r = await lab.sh(["sysctl", "-a", "-r", "^net\\.ipv4\\.conf\\..*\\.forwarding$"]);
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries(
    r.stdout.trim().split("\n").map((l) => {
      const m = /^net\.ipv4\.conf\.(.+)\.forwarding = (\d)$/.exec(l);
      assert.ok(m, l);
      return [m[1], m[2]];
    }),
  );
}

async function set(lab: TestLab, ...settings: string[]): Promise<void> {
  for (const s of settings) {
    const r = await lab.sh(["sysctl", "-q", "-w", s]);
    assert.equal(r.code, 0, r.stderr);
  }
}

/**
 * Runs `veth-bridge --nat`, checks ip_forward was written (1), undoes twice, and returns the forwarding
 * settings after undo; the snapshot after undo must equal the one before.
 */
async function runAndUndo(lab: TestLab): Promise<Record<string, string>> {
  const before = await lab.snapshot();
  const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n", "--nat"]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await lab.sh(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim(), "1");
  const ping = await lab.sh(["ip", "netns", "exec", "n", "ping", "-c", "1", "-W", "5", "10.200.0.1"]);
  assert.equal(ping.code, 0, ping.stdout + ping.stderr);
  const u = await lab.nsrecipe(["undo"]);
  assert.equal(u.code, 0, u.stderr);
  const after = await forwarding(lab);
  assert.deepEqual(await lab.snapshot(), before);
  const again = await lab.nsrecipe(["undo"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /Nothing to undo/);
  return after;
}

Deno.test("H8: --nat undo writes ip_forward back and restores a per-interface forwarding=1 on eth0 (global 0)", async () => {
  await withLab(async (lab) => {
    await set(lab, "net.ipv4.conf.eth0.forwarding=1");
    const before = await forwarding(lab);
    assert.deepEqual(before, { all: "0", default: "0", eth0: "1", lo: "0" });
    assert.deepEqual(await runAndUndo(lab), before);
  });
});

Deno.test("H8: --nat undo restores conf.default.forwarding=1 and other interfaces' forwarding=1, eth0's 0 kept", async () => {
  await withLab(async (lab) => {
    await set(lab, "net.ipv4.conf.default.forwarding=1");
    // Made after default=1, so both ends start with forwarding=1; one is set back to 0.
    const veth = await lab.sh(["ip", "link", "add", "lan1", "type", "veth", "peer", "name", "lan2"]);
    assert.equal(veth.code, 0, veth.stderr);
    await set(lab, "net.ipv4.conf.lan2.forwarding=0", "net.ipv4.conf.lo.forwarding=1");
    const before = await forwarding(lab);
    assert.deepEqual(before, { all: "0", default: "1", eth0: "0", lan1: "1", lan2: "0", lo: "1" });
    assert.deepEqual(await runAndUndo(lab), before);
  });
});
