/**
 * `nsrecipe lab` itself, run inside a test lab (a lab nests in a lab): its
 * options build the LAN they describe, and bad ones are usage errors.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { LabSpec } from "../../src/lab/mod.ts";
import { TestLab, withLab } from "../support/lab.ts";
import { labState } from "../support/shared_lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

Deno.test("lab --address on another subnet: the LAN's gateway and other host follow it (ping both from the lab host)", async () => {
  await withLab(async (lab) => {
    for (
      const [opts, peers] of [
        [["--address", "10.9.0.10/24", "--gateway", "10.9.0.1"], ["10.9.0.1", "10.9.0.20"]],
        [["--uplink", "enp3s0", "--address", "192.0.2.10/24"], ["192.0.2.1", "192.0.2.20"]],
        [["--address", "172.16.5.3/29", "--gateway", "172.16.5.6"], ["172.16.5.6", "172.16.5.1"]],
      ] as const
    ) {
      for (const peer of peers) {
        const r = await lab.nsrecipe([
          "lab",
          ...opts,
          "--",
          "run",
          "pid-only",
          "--",
          "ping",
          "-c",
          "1",
          "-W",
          "5",
          peer,
        ]);
        assertExit(r, 0, `lab ${opts.join(" ")}: ping ${peer}`);
        assert.match(r.stderr + r.stdout, /1 received/, `lab ${opts.join(" ")}: ping ${peer}`);
      }
    }
  });
});

Deno.test("bad lab input is a usage error (exit 2) before any namespace is made, never exit 1", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [opts, pattern] of [
        [
          ["--address", "192.0.2.10/24", "--gateway", "198.51.100.1"],
          /--gateway '198.51.100.1' is not an address inside/,
        ],
        [["--address", "192.0.2.10/30"], /leaves no room for the lab's LAN/],
        [["--address", "192.0.2.10/24", "--gateway", "192.0.2.10"], /is the uplink's own address/],
        [["--address", "2001:db8:9::10/64"], /is IPv6; it takes the uplink's IPv4 address/],
      ] as const
    ) {
      const r = await lab.nsrecipe(["lab", ...opts, "--", "list"]);
      assertExit(r, EXIT.usage, `lab ${opts.join(" ")}`);
      assert.match(r.stderr, pattern);
    }
    assertSameHost(await lab.snapshot(), before, "bad lab options");
  });
});

Deno.test("the lab's shell has 'nsrecipe' in PATH, and the banner's attach line opens a second shell into the same lab", async () => {
  const [program, ...args] = [...selfArgv(), "lab"];
  const child = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const stdin = child.stdin.getWriter();
  try {
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!/Another shell into this lab, from the host: (.*)\n/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the lab did not start: ${seen}`);
      seen += value;
    }
    reader.releaseLock();
    const attach = /Another shell into this lab, from the host: (.*)\n/.exec(seen)![1];
    // The lab's own shell: a run made there through the 'nsrecipe' in its PATH.
    await stdin.write(
      new TextEncoder().encode("nsrecipe run netns --name twin </dev/null >/dev/null 2>&1; echo made=$?\n"),
    );
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let made = "";
    while (!made.includes("\n")) {
      const { value, done } = await out.read();
      if (done) break;
      made += value;
    }
    assert.equal(made.trim(), "made=0");
    // A second shell, from the host, sees that run: the same lab.
    const second = await new Deno.Command("sh", {
      args: ["-c", `${attach} -c 'type nsrecipe; nsrecipe status; ip netns list'`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(second.stdout);
    assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
    assert.match(text, /^nsrecipe is \/run\/nsrecipe\/lab-bin\/nsrecipe$/m);
    assert.match(text, /^twin +netns +applied/m);
    assert.match(text, /^twin\b/m);
    out.releaseLock();
  } finally {
    await stdin.close().catch(() => {});
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
  }
});

Deno.test("a one-shot 'lab -- run' does not advise 'Undo with' for a run that vanishes with the lab, nor --rm for one it undoes itself", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["lab", "--", "run", "netns", "--name", "demo", "--", "true"]);
    assertExit(r, 0, "lab -- run");
    assert.match(r.stderr, /Applied run \S+ \(demo\)\. It ends with this lab\./);
    assert.doesNotMatch(r.stderr, /Undo with/);
    const kept = await lab.nsrecipe(["run", "netns", "--name", "kept", "--", "true"]);
    assert.match(kept.stderr, /Undo with: nsrecipe undo kept/, "outside a one-shot lab the advice stays");
    const rm = await lab.nsrecipe(["run", "netns", "--name", "rm", "--rm", "--", "true"]);
    assertExit(rm, 0, "run --rm");
    assert.match(rm.stderr, /Applied run (\S+) \(rm\)\. --rm undoes it when the command exits\.\n/);
    assert.doesNotMatch(rm.stderr, /Undo with/);
    assert.match(rm.stderr, /Undone run \S+ \(--rm\)\./);
  });
});

Deno.test("a one-shot 'lab -- run' opens no confirmation window: full-migrate says it has none (no watchdog, no 'Confirm within'), and --confirm is refused (exit 2)", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe([
      "lab",
      "--json",
      "--",
      "run",
      "full-migrate",
      "--name",
      "m",
      "--address",
      "198.51.100.50/24",
    ]);
    assertExit(r, 0, "lab -- run full-migrate");
    assert.match(
      r.stderr,
      /^Applied run \S+ \(m\)\. It ends with this lab when this command returns, so it has no confirmation window: there will be nothing left to confirm\.$/m,
    );
    assert.doesNotMatch(r.stderr, /Confirm within|nsrecipe confirm|Undo with/);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.confirmation, null, "no window: no watchdog started, no deadline recorded");
    assert.equal("confirmSeconds" in doc, false, "the window has one name, confirmation");
    const asked = await lab.nsrecipe(["lab", "--", "run", "netns", "--name", "c", "--confirm", "30", "--", "true"]);
    assertExit(asked, EXIT.usage, "lab -- run --confirm 30");
    assert.equal(
      asked.stderr,
      "nsrecipe: --confirm does not apply in a one-shot lab ('nsrecipe lab -- run …'): the run ends with the lab when " +
        "this command returns, so there would be nothing left to confirm; nothing was changed\n" +
        "  Leave out --confirm, or open the lab's shell ('nsrecipe lab' with no arguments) and run it there: its " +
        "window can then be confirmed with 'yes' or from a second shell (the banner's attach line).",
    );
    const kept = await lab.nsrecipe(["lab", "--", "run", "netns", "--name", "n", "--no-confirm", "--", "true"]);
    assertExit(kept, 0, "lab -- run --no-confirm");
    assert.match(kept.stderr, /^Applied run \S+ \(n\)\. It ends with this lab\.$/m);
  });
});

/** Starts a lab, reads its state (snapshot and the rest, `labState`), and stops it. */
async function stateOfLab(spec: Partial<LabSpec>, pid1: "sh" | "nsrecipe") {
  const lab = await TestLab.start(spec, pid1);
  try {
    return await labState(lab);
  } finally {
    await lab.stop();
  }
}

Deno.test("the test harness's lab (a shell as PID 1 runs the lab's commands) is the lab 'nsrecipe lab' builds: same snapshot, sysctls, nftables, mounts, /run, no process", async () => {
  const specs: Partial<LabSpec>[] = [
    {},
    {
      // A late setting (the uplink's IPv6 MTU, written once it is up), an early one, and the uplink's attributes.
      mtu: 9000,
      group: "7",
      extraAddrs: [{ family: "inet", local: "198.51.100.11", prefixlen: 24, label: "eth0:vip", noprefixroute: true }],
      extraRoutes: [{ family: 4, dst: "10.62.0.0/16", via: "198.51.100.1", realm: "5" }],
      sysctls: [
        { tree: "net.ipv4.conf", dev: "eth0", name: "rp_filter", value: "2" },
        { tree: "net.ipv6.conf", dev: "eth0", name: "mtu", value: "1400" },
      ],
    },
  ];
  for (const spec of specs) {
    const [harness, own] = await Promise.all([stateOfLab(spec, "sh"), stateOfLab(spec, "nsrecipe")]);
    assert.deepEqual(harness, own, JSON.stringify(spec));
  }
  // The settings really reached the second lab (a spec the builders both ignored would compare equal too).
  const rich = await stateOfLab(specs[1], "sh");
  assert.ok(rich.snapshot.sysctls.includes("net.ipv6.conf.eth0.mtu = 1400"), rich.snapshot.sysctls.join("\n"));
  assert.ok(rich.snapshot.sysctls.includes("net.ipv4.conf.eth0.rp_filter = 2"));
  assert.equal(rich.snapshot.links.find((l) => l.name === "eth0")?.mtu, 9000);
  assert.ok(
    rich.snapshot.routes.some((r) => r.includes("10.62.0.0/16") && r.includes("realm")),
    rich.snapshot.routes.join("\n"),
  );
});

Deno.test("M8: the lab's PID 1 reaps the orphans it inherits (a process whose parent exited, a watchdog once its run is confirmed); the lab's exit code is its shell's", async () => {
  const [program, ...args] = [...selfArgv(), "lab"];
  const script = [
    // An orphan: its parent exits at once, it ends a moment later, reparented to the lab's PID 1.
    "sh -c 'sleep 0.2 & exit 0'",
    // A watchdog outlives its run (setsid): reparented to PID 1, it exits once the run is confirmed.
    "nsrecipe run netns --name w --confirm 60 -- true </dev/null >/dev/null 2>&1",
    "wd=$(nsrecipe journal --json | sed -n 's/.*\"watchdogPid\": *\\([0-9]*\\).*/\\1/p' | head -n 1)",
    "nsrecipe confirm w >/dev/null 2>&1",
    'while kill -0 "$wd" 2>/dev/null && ! grep -q \'^State:.*Z\' /proc/"$wd"/status; do sleep 0.1; done',
    "sleep 0.5",
    "echo \"pid1=$(cat /proc/1/comm) watchdog=$wd zombies=$(ps -e -o stat= | grep -c '^Z')\"",
    "exit 3",
  ].join("\n") + "\n";
  const child = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const stdin = child.stdin.getWriter();
  await stdin.write(new TextEncoder().encode(script));
  await stdin.close();
  const out = await child.output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 3, new TextDecoder().decode(out.stderr));
  assert.match(stdout, /^pid1=sh watchdog=\d+ zombies=0$/m, stdout);
});
