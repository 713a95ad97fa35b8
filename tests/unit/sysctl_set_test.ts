import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { IpReader } from "../../src/host/mod.ts";
import { sysctlSet, type SysctlSetStep } from "../../src/steps/sysctl_set.ts";
import type { StepContext } from "../../src/steps/mod.ts";

/**
 * A fake kernel of `net.ipv6.conf.{all,default,lo,eth0}.forwarding` behind sysctl(8): writing a changed
 * `all` copies the value to `default` and every interface, as net/ipv6/addrconf.c `addrconf_forward_change`.
 */
function fakeKernel(values: Record<string, string>) {
  const kv = new Map(Object.entries(values).map(([dev, v]) => [`net/ipv6/conf/${dev}/forwarding`, v]));
  const path = (key: string) => key.includes("/") ? key : key.replaceAll(".", "/");
  const dotted = (p: string) => p.replaceAll("/", ".");
  const writes: string[] = [];
  const { run } = recordingRunner((argv) => {
    const args = argv.slice(1).filter((a) => a !== "-q");
    if (args[0] === "-N") return { stdout: [...kv.keys()].map((k) => `${dotted(k)}\n`).join("") };
    if (args[0] === "-n") return { stdout: `${kv.get(path(args[1]))}\n` };
    if (args[0] === "-w") {
      const [key, value] = args[1].split("=");
      writes.push(args[1]);
      if (path(key) === "net/ipv6/conf/all/forwarding" && kv.get(path(key)) !== value) {
        for (const k of kv.keys()) kv.set(k, value);
      }
      kv.set(path(key), value);
      return {};
    }
    return { stdout: args.map((p) => `${dotted(p)} = ${kv.get(p)}\n`).join("") };
  });
  const ctx: StepContext = { run, ip: new IpReader(run), hostNetnsPath: "/proc/1/ns/net" };
  return { kv, ctx, writes };
}

const STEP: SysctlSetStep = { kind: "sysctl-set", key: "net.ipv6.conf.all.forwarding", value: "1" };

Deno.test("sysctl-set of net.ipv6.conf.all.forwarding: undo writes 'all' back, then eth0's forwarding=1 and default's", async () => {
  const { kv, ctx, writes } = fakeKernel({ all: "0", default: "1", lo: "0", eth0: "1" });
  const before = new Map(kv);
  const captured = await sysctlSet.capture!(STEP, ctx);
  assert.deepEqual(captured, {
    value: "0",
    others: {
      "net/ipv6/conf/default/forwarding": "1",
      "net/ipv6/conf/lo/forwarding": "0",
      "net/ipv6/conf/eth0/forwarding": "1",
    },
  });
  await ctx.run(sysctlSet.commands(STEP)[0]);
  assert.equal(await sysctlSet.verify(STEP, ctx), undefined);
  assert.equal(kv.get("net/ipv6/conf/lo/forwarding"), "1", "the fake propagates");
  assert.equal(await sysctlSet.isReverted(STEP, ctx, captured), false);
  await sysctlSet.revert(STEP, ctx, captured);
  assert.deepEqual(kv, before);
  assert.deepEqual(writes, [
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv6.conf.all.forwarding=0",
    "net/ipv6/conf/default/forwarding=1",
    "net/ipv6/conf/eth0/forwarding=1",
  ]);
  assert.equal(await sysctlSet.isReverted(STEP, ctx, captured), true);
});

Deno.test("sysctl-set: 'all' written back but eth0's forwarding still lost is not yet reverted; a journal's plain string capture still reverts", async () => {
  const { kv, ctx } = fakeKernel({ all: "1", default: "1", lo: "1", eth0: "1" });
  const captured = { value: "1", others: { "net/ipv6/conf/eth0/forwarding": "1" } };
  kv.set("net/ipv6/conf/eth0/forwarding", "0");
  assert.equal(await sysctlSet.isReverted(STEP, ctx, captured), false);
  await sysctlSet.revert(STEP, ctx, captured);
  assert.equal(kv.get("net/ipv6/conf/eth0/forwarding"), "1");
  // The form journals held before: the value alone.
  kv.set("net/ipv6/conf/all/forwarding", "0");
  assert.equal(await sysctlSet.isReverted(STEP, ctx, "1"), false);
  await sysctlSet.revert(STEP, ctx, "1");
  assert.equal(kv.get("net/ipv6/conf/all/forwarding"), "1");
  assert.equal(await sysctlSet.isReverted(STEP, ctx, "1"), true);
});
