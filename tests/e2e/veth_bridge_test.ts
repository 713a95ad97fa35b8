import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { applyGroups } from "../../src/engine/apply_batch.ts";
import { batchLine } from "../../src/engine/ip_batch.ts";
import type { Step } from "../../src/steps/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";

const ping = (lab: TestLab, target: string, netns?: string) =>
  lab.sh([...(netns ? ["ip", "netns", "exec", netns] : []), "ping", "-c", "1", "-W", "1", target]);

/** Live (not zombie) processes named `comm` in the lab: the lab's PID 1 does not reap orphans. */
async function live(lab: TestLab, comm: string): Promise<number> {
  const ps = await lab.sh(["ps", "-e", "-o", "stat=,comm="]);
  return ps.stdout.split("\n").filter((l) => l.trim().endsWith(` ${comm}`) && !l.trim().startsWith("Z")).length;
}

async function links(lab: TestLab): Promise<string[]> {
  return (JSON.parse((await lab.sh(["ip", "-json", "link", "show"])).stdout) as { ifname: string }[]).map((l) =>
    l.ifname
  );
}

Deno.test("veth-bridge: the namespace reaches the bridge at once (K13), the host reaches the namespace, undo restores the host and is idempotent", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n1"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ping(lab, "10.200.0.1", "n1")).code, 0, "namespace -> bridge");
    assert.equal((await ping(lab, "10.200.0.2")).code, 0, "host -> namespace");
    const stp = await lab.sh(["cat", "/sys/class/net/br0/bridge/stp_state"]);
    assert.equal(stp.stdout.trim(), "0");
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    // 2 steps by their own inverse (the bridge, the netns); the veth pair went with the netns its peer was in (seen
    // gone after), the other 9 with what held them.
    assert.match(
      undo.stdout,
      /^Undone \S+ \(n1\): 2 step\(s\) reverted, 10 went with netns 'n1', link 'veth-n1' and link 'br0'\n$/,
    );
    assert.deepEqual(await lab.snapshot(), before);
    const again = await lab.nsrecipe(["undo"]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /Nothing to undo/);
  });
});

Deno.test("veth-bridge: two runs share br0; undoing the first keeps br0 for the second; undoing the second removes it", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "a"])).code, 0);
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "b"])).code, 0);
    assert.equal((await ping(lab, "10.200.0.2")).code, 0, "a reachable");
    assert.equal((await ping(lab, "10.200.0.3")).code, 0, "b reachable");
    const undoA = await lab.nsrecipe(["undo", "a"]);
    assert.equal(undoA.code, 0, undoA.stderr);
    // br0's 3 steps are handed over to b, not counted as reverted.
    assert.match(
      undoA.stdout,
      /^Undone \S+ \(a\): 1 step\(s\) reverted, 8 went with netns 'a' and link 'veth-a', 3 kept for later runs\n$/,
    );
    assert.ok((await links(lab)).includes("br0"), "br0 still there");
    const st = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout).runs as {
      label: string;
      owns: string[];
    }[];
    assert.deepEqual(st.map((r) => [r.label, r.owns.includes("link:br0")]), [["b", true]], "b now owns br0");
    assert.ok(!(await links(lab)).includes("veth-a"));
    assert.equal((await ping(lab, "10.200.0.3", undefined)).code, 0, "b still reachable");
    assert.equal((await ping(lab, "10.200.0.1", "b")).code, 0);
    const undoB = await lab.nsrecipe(["--json", "undo", "b"]);
    assert.equal(undoB.code, 0, undoB.stderr);
    // b's 9 steps and the 3 of br0 it took over: the counts as the line gives them, by each step's `how` (its veth
    // pair went with netns 'b').
    const [doc] = JSON.parse(undoB.stdout).undone as { counts: Record<string, number>; steps: { how: string }[] }[];
    assert.deepEqual(doc.counts, { reverted: 2, subsumed: 10, "already-gone": 0 });
    assert.equal(doc.steps.filter((s) => s.how === "subsumed").length, 10);
    assert.ok(!(await links(lab)).includes("br0"), "br0 gone");
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("plan veth-bridge prints exactly the commands run executes, in order, and changes nothing", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const planned = JSON.parse((await lab.nsrecipe(["--json", "plan", "veth-bridge", "--name", "p1"])).stdout) as {
      steps: { commands: string[][]; step: Step }[];
    };
    assert.deepEqual(await lab.snapshot(), before);
    const run = await lab.nsrecipe(["--verbose", "run", "veth-bridge", "--name", "p1"]);
    assert.equal(run.code, 0, run.stderr);
    // Every changing command the trace shows; the lines of an `ip [-n NS] [-json -details] -batch -` (`  < LINE`) as
    // `ip [-n NS] LINE`, but for the reads that follow a batch's changes in the same process (`… show …`, `netns pids|list`).
    const changing: string[] = [];
    let batch: string | undefined;
    let batches = 0;
    let changed = false;
    for (const l of run.stderr.split("\n")) {
      if (batch !== undefined && l.startsWith("  < ")) {
        if (/^\S+ show( |$)|^netns (pids|list)( |$)/.test(l.slice(4))) continue;
        changing.push(`${batch} ${l.slice(4)}`);
        if (!changed) batches++;
        changed = true;
        continue;
      }
      batch = undefined;
      if (!l.startsWith("$ ")) continue;
      const argv = l.slice(2).replace(/ {2}\(.*$/, "");
      if (argv.endsWith(" -batch -")) {
        batch = argv.slice(0, -" -batch -".length).replace(/ -json -details$/, "").replace(/ -force$/, "");
        changed = false;
        continue;
      }
      if (
        / -json | show |^\$ (cat|stat|head) |sysctl -[ne] |^\$ sysctl net[/.]ipv|^\$ (nft|iptables|ip6tables|test|gzip) | -V |--version/
          .test(l)
      ) continue;
      changing.push(argv);
    }
    // A batch line carries no family option (`ip -4 route` is `route` in the batch of `ip`): compare as iproute2 runs them.
    const asRun = (argv: string[]) => {
      const line = batchLine(argv);
      return line ? [...line.batch, ...line.words].join(" ") : argv.join(" ");
    };
    assert.deepEqual(changing, planned.steps.flatMap((s) => s.commands.map(asRun)));
    assert.equal(batches, applyGroups(planned.steps.map((s) => s.step)).filter((g) => g.length > 1).length);
    assert.ok(batches > 0, "some steps ran as one ip -batch");
  });
});

Deno.test("K01: a long --name works with a derived host-side veth of at most 15 bytes, recorded in the journal", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "averylongnamespace1"]);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout);
    const veth = j.records[0].steps.find((s: { kind: string }) => s.kind === "veth-add").dev as string;
    assert.ok(new TextEncoder().encode(veth).length <= 15);
    assert.ok((await links(lab)).includes(veth));
    assert.equal((await lab.nsrecipe(["undo"])).code, 0);
    assert.ok(!(await links(lab)).includes(veth));
  });
});

Deno.test("K01: --veth of 15 bytes works; 16 bytes fails before any change", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const bad = await lab.nsrecipe(["run", "veth-bridge", "--name", "v", "--veth", "abcdefghijklmnop", "--", "true"]);
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.stderr, /16 bytes long; the limit is 15/);
    assert.deepEqual(await lab.snapshot(), before);
    const ok = await lab.nsrecipe(["run", "veth-bridge", "--name", "v", "--veth", "abcdefghijklmno", "--", "true"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok((await links(lab)).includes("abcdefghijklmno"));
  });
});

Deno.test("name clashes, an overlapping subnet and K09 addresses fail before any change", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "link", "add", "dev", "veth-x", "type", "veth", "peer", "name", "veth-x2"]);
    const before = await lab.snapshot();
    const cases: [string[], number, RegExp][] = [
      [["--name", "x"], EXIT.precondition, /'veth-x' already exists/],
      [["--name", "y", "--subnet", "198.51.100.0/25"], EXIT.precondition, /overlaps 198\.51\.100\./],
      [["--name", "y", "--bridge", "eth0"], EXIT.precondition, /'eth0' is the uplink, not a bridge/],
      [["--name", "y", "--bridge", "veth-x2"], EXIT.precondition, /'veth-x2' exists and is a veth, not a bridge/],
      [
        ["--name", "y", "--address", "10.200.0.2/24", "--bridge-address", "10.200.1.1/24"],
        EXIT.usage,
        /not on the same subnet/,
      ],
      [
        ["--name", "y", "--address", "10.200.0.2/24", "--bridge-address", "10.200.0.2/24"],
        EXIT.usage,
        /gateway would be its own address/,
      ],
      [["--name", "y", "--subnet", "10.300.0.0/24"], EXIT.usage, /not a CIDR/],
    ];
    for (const [args, code, re] of cases) {
      const r = await lab.nsrecipe(["run", "veth-bridge", ...args, "--", "true"]);
      assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re);
      assert.deepEqual(await lab.snapshot(), before, args.join(" "));
    }
  });
});

Deno.test("K03: the netns deleted behind nsrecipe's back; undo exits 0, reports the netns and veth already gone, removes the bridge", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "n1"])).code, 0);
    await lab.sh(["ip", "netns", "del", "n1"]);
    await waitFor("the veth to go with its netns", async () => !(await links(lab)).includes("veth-n1"));
    const undo = await lab.nsrecipe(["--json", "undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    const steps = JSON.parse(undo.stdout).undone[0].steps as { index: number; how: string }[];
    const plan = JSON.parse((await lab.nsrecipe(["--json", "plan", "veth-bridge", "--name", "n2"])).stdout).steps as {
      step: { kind: string };
    }[];
    // The netns and the veth pair went with the deletion by hand; what lived in them goes with their own deletion.
    const gone = steps.filter((s) => s.how === "already-gone").map((s) => plan[s.index].step.kind).sort();
    assert.deepEqual(gone, ["netns-add", "veth-add"]);
    assert.ok(steps.some((s) => s.how === "subsumed"), JSON.stringify(steps));
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("K05: a process left inside the netns is ended by undo, and the host-side veth is deleted", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "n1"])).code, 0);
    const sleeper = lab.spawn(["ip", "netns", "exec", "n1", "sleep", "1000"]);
    await waitFor(
      "the sleeper inside n1",
      async () => (await lab.sh(["ip", "netns", "pids", "n1"])).stdout.trim() !== "",
    );
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    await sleeper.status;
    assert.ok(!(await links(lab)).includes("veth-n1"));
    assert.deepEqual(await lab.snapshot(), before);
    await sleeper.stdout.cancel();
    await sleeper.stderr.cancel();
  });
});

Deno.test("K04: nsrecipe killed while its command runs; undo leaves no netns, veth, bridge or process", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const child = lab.spawn([
      ...(await import("../../src/lab/mod.ts")).selfArgv(),
      "run",
      "veth-bridge",
      "--name",
      "n1",
      "--",
      "sleep",
      "600",
    ]);
    await waitFor("sleep inside n1", async () => (await live(lab, "sleep")) === 1);
    await lab.sh(["pkill", "-KILL", "-f", "main.ts run veth-bridge"]);
    await child.status;
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal(await live(lab, "sleep"), 0, "no sleep left");
    assert.equal(await live(lab, "unshare"), 0, "no unshare left");
    assert.deepEqual(await lab.snapshot(), before);
    await child.stdout.cancel();
    await child.stderr.cancel();
  });
});

Deno.test("K08: with an IPv6 subnet the namespace's address is usable at once (not tentative)", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "n6",
      "--subnet",
      "2001:db8:5::/64",
      "--",
      "sh",
      "-c",
      "ip -6 -o addr show dev eth0 scope global; ping -6 -c1 -W1 -I 2001:db8:5::2 2001:db8:5::1 >/dev/null && echo PING-OK",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /2001:db8:5::2\/64/);
    assert.doesNotMatch(r.stdout, /tentative|dadfailed/);
    assert.match(r.stdout, /PING-OK/);
  });
});

Deno.test("--nat: the namespace reaches the LAN gateway through masquerading; undo restores ip_forward and removes the table", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const fwd = (await lab.sh(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim();
    assert.equal(fwd, "0");
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n1", "--nat"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await ping(lab, "198.51.100.1", "n1")).code, 0, "namespace -> LAN gateway through NAT");
    // The LAN has no route to 10.200.0.0/24: the reply only arrives because the source was the host's.
    assert.notEqual((await lab.sh(["ip", "-n", "lab-lan", "route", "get", "10.200.0.2"])).code, 0);
    assert.match((await lab.sh(["nft", "list", "tables"])).stdout, /nsrecipe_n1/);
    assert.equal((await lab.nsrecipe(["undo"])).code, 0);
    assert.equal((await lab.sh(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim(), "0");
    assert.doesNotMatch((await lab.sh(["nft", "list", "tables"])).stdout, /nsrecipe/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("--mtu applies to both ends of the veth pair", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "m",
      "--mtu",
      "1300",
      "--",
      "cat",
      "/sys/class/net/eth0/mtu",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "1300");
    assert.match((await lab.sh(["cat", "/sys/class/net/veth-m/mtu"])).stdout, /^1300/);
  });
});

Deno.test("N16: the bridge veth-bridge creates keeps its own MAC as runs attach veths, and no veth repeats it", async () => {
  await withLab(async (lab) => {
    const macs = async () =>
      new Map(
        (JSON.parse((await lab.sh(["ip", "-json", "link", "show"])).stdout) as { ifname: string; address: string }[])
          .filter((l) => l.ifname === "br0" || l.ifname.startsWith("veth-")).map((l) => [l.ifname, l.address]),
      );
    const names = ["web", "p2", "p3", "p4", "p5"];
    let bridge: string | undefined;
    for (const [i, name] of names.entries()) {
      const r = await lab.nsrecipe(["run", "veth-bridge", "--name", name]);
      assert.equal(r.code, 0, r.stderr);
      const now = await macs();
      bridge ??= now.get("br0");
      assert.match(bridge!, /^02(:[0-9a-f]{2}){5}$/, "a fixed, locally administered MAC of its own");
      assert.equal(now.get("br0"), bridge, `br0's MAC after run ${name}`);
      assert.equal(now.size, i + 2, `br0 and ${i + 1} veths`);
      assert.equal(new Set(now.values()).size, now.size, `every MAC differs: ${JSON.stringify([...now])}`);
      assert.equal((await ping(lab, `10.200.0.${i + 2}`)).code, 0, `host -> ${name}`);
    }
  });
});
