import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";

Deno.test("status: an aligned table with a header; NAME, RECIPE, STATE, ADDRESS, BRIDGE with its address, AGE, PROCESSES", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "web"])).code, 0);
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "plain"])).code, 0);
    const sleeper = lab.spawn(["ip", "netns", "exec", "web", "sleep", "1000"]);
    try {
      // Bounded wait until the sleep is inside (it is spawned asynchronously).
      for (let i = 0; i < 100; i++) {
        if ((await lab.sh(["ip", "netns", "pids", "web"])).stdout.trim() !== "") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const r = await lab.nsrecipe(["status"]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.trimEnd().split("\n");
      assert.match(lines[0], /^NAME +RECIPE +STATE +ADDRESS +BRIDGE +AGE +PROCESSES$/);
      const col = (name: string) => lines[0].indexOf(name);
      assert.equal(lines.length, 3);
      const [plain, web] = [lines[1], lines[2]];
      assert.match(plain, /^plain +netns +applied +- +- +\d+ s +0$/);
      assert.match(web, /^web +veth-bridge +applied +10\.200\.0\.2\/24 +br0 10\.200\.0\.1\/24 +\d+ s +1$/);
      for (const name of ["RECIPE", "STATE", "ADDRESS", "BRIDGE", "AGE"]) {
        assert.equal(web[col(name) - 1], " ", `${name} column aligned`);
        assert.notEqual(web[col(name)], " ", `${name} column starts with a value`);
      }
      const json = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout);
      const w = json.runs.find((x: { label: string }) => x.label === "web");
      assert.deepEqual(
        [w.shown, w.addresses, w.bridge, w.processes],
        ["applied", ["10.200.0.2/24"], { name: "br0", addresses: ["10.200.0.1/24"] }, 1],
      );
    } finally {
      // The sleep holds the pipe: end it inside the lab, then collect nsenter.
      await lab.sh(["sh", "-c", "kill -9 $(ip netns pids web) 2>/dev/null"]);
      await sleeper.output();
    }
  });
});

Deno.test("status NAME: after a hand-over the bridge is owned, not also used; full-migrate's uplink is changed, not owned", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "web"])).code, 0);
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "api"])).code, 0);
    assert.equal((await lab.nsrecipe(["undo", "web"])).code, 0);
    const api = await lab.nsrecipe(["status", "api"]);
    assert.equal(api.code, 0, api.stderr);
    assert.match(
      api.stdout,
      /^ {2}owns: {7}netns:api, link:veth-api, link:br0 {3}\(made by this run or handed over to it; undo removes them\)$/m,
    );
    assert.match(api.stdout, /^ {2}uses: {7}- /m);
    // P7: the handed-over steps in the order they were applied (the bridge first), naming the run they came from.
    const handed = api.stdout.split("\n").filter((l) => /^ {5}- {2}.*handed over/.test(l));
    assert.deepEqual(handed.map((l) => l.replace(/^ {5}- {2}(.*?) {2}\[.*$/, "$1").replace(/ \(STP.*$/, "")), [
      "create bridge 'br0'",
      "bring link 'br0' up",
      "add address 10.200.0.1/24 to 'br0'",
    ]);
    for (const l of handed) assert.match(l, /\[done, handed over from run \S+ \(web, undone\)\]$/);
    assert.match(api.stdout, /^ {5}1\. create network namespace 'api' {2}\[done\]$/m);
    const fm = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "lan",
      "--bridge",
      "brlan",
      "--address",
      "198.51.100.50/24",
      "--no-confirm",
    ]);
    assert.equal(fm.code, 0, fm.stderr);
    const lan = JSON.parse((await lab.nsrecipe(["--json", "status", "lan"])).stdout).runs[0];
    assert.deepEqual(lan.changes, ["link:eth0"]);
    assert.ok(!lan.owns.includes("link:eth0"), lan.owns.join());
    assert.ok(lan.owns.includes("link:brlan"));
    for (const x of lan.owns) assert.ok(!lan.uses.includes(x) && !lan.changes.includes(x), x);
    const text = await lab.nsrecipe(["status", "lan"]);
    assert.match(text.stdout, /^ {2}changes: {4}link:eth0 /m);
    assert.match(text.stdout, /^ {2}bridge: {5}brlan 198\.51\.100\.10\/24/m);
  });
});

Deno.test("status NAME shows drift; status of an unknown run is a usage error", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "d"])).code, 0);
    await lab.sh(["ip", "-n", "d", "link", "set", "dev", "lo", "down"]);
    const r = await lab.nsrecipe(["status", "d"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}state: {6}drift$/m);
    assert.match(r.stdout, /^ {2}drift: {6}bring link 'lo' up in 'd': /m);
    assert.match((await lab.nsrecipe(["status"])).stdout, /^d +netns +drift /m);
    const none = await lab.nsrecipe(["status", "nosuch"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No applied run is called 'nosuch'/);
  });
});

Deno.test("journal NAME prints only that name's runs' records (every run of the name); an unknown one is exit 2", async () => {
  await withLab(async (lab) => {
    for (const args of [["run", "netns", "--name", "a"], ["run", "netns", "--name", "b"], ["undo", "a"]]) {
      assert.equal((await lab.nsrecipe(args)).code, 0, args.join(" "));
    }
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "a"])).code, 0);
    const all = JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records as {
      run: string;
      kind: string;
      label?: string;
    }[];
    const idsOf = (label: string) => all.filter((r) => r.kind === "run-begin" && r.label === label).map((r) => r.run);
    assert.equal(idsOf("a").length, 2);
    const a = await lab.nsrecipe(["--json", "journal", "a"]);
    assert.equal(a.code, 0);
    const records = JSON.parse(a.stdout).records as { run: string }[];
    assert.deepEqual(records, all.filter((r) => idsOf("a").includes(r.run)));
    const text = await lab.nsrecipe(["journal", "b"]);
    assert.equal(text.code, 0);
    const lines = text.stdout.trim().split("\n");
    assert.equal(lines.length, all.filter((r) => r.run === idsOf("b")[0]).length);
    assert.ok(lines.every((l) => / b {2}/.test(l)), text.stdout);
    const byId = await lab.nsrecipe(["--json", "journal", idsOf("a")[0]]);
    assert.ok((JSON.parse(byId.stdout).records as { run: string }[]).every((r) => r.run === idsOf("a")[0]));
    const none = await lab.nsrecipe(["journal", "nosuch"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /No run is called 'nosuch' in the journal/);
  });
});

Deno.test("under a non-default --state-dir, printed advice repeats it, and the advised command works as printed", async () => {
  await withLab(async (lab) => {
    const dir = "/run/nsrecipe/alt";
    const run = await lab.nsrecipe(["--state-dir", dir, "run", "netns", "--name", "sd1"]);
    assert.equal(run.code, 0, run.stderr);
    const advised = /Undo with: (nsrecipe .*)$/m.exec(run.stderr)?.[1];
    assert.equal(advised, `nsrecipe --state-dir ${dir} undo sd1`);
    const none = await lab.nsrecipe(["--state-dir", dir, "undo", "nosuch"]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, new RegExp(`'nsrecipe --state-dir ${dir} status'`));
    const undo = await lab.nsrecipe(advised!.split(" ").slice(1));
    assert.equal(undo.code, 0, undo.stderr);
    assert.match(undo.stderr, /reverted: create network namespace .sd1./);
  });
});

Deno.test("F14: status names what others attached to what a run made as drift, as undo would refuse it (a port enslaved to its bridge, an address on it, a route through it); a second run on the bridge is not foreign", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "web", "--bridge", "br5"])).code, 0);
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "api", "--bridge", "br5"])).code, 0);
    const clean = await lab.nsrecipe(["status"]);
    assert.match(clean.stdout, /^web +veth-bridge +applied /m, "the kernel's own addresses and the second run's veth");
    assert.match(clean.stdout, /^api +veth-bridge +applied /m);
    assert.doesNotMatch(clean.stderr, /drift/);
    for (
      const c of [
        ["ip", "link", "add", "dev", "vnet3", "type", "veth", "peer", "name", "vnet3p"],
        ["ip", "link", "set", "dev", "vnet3", "master", "br5"],
        ["ip", "addr", "add", "192.0.2.7/24", "dev", "br5"],
        ["ip", "route", "add", "203.0.113.0/24", "dev", "br5"],
      ]
    ) {
      const r = await lab.sh(c);
      assert.equal(r.code, 0, `${c.join(" ")}: ${r.stderr}`);
    }
    const r = await lab.nsrecipe(["status", "web"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}state: {6}drift$/m);
    // web's undo would hand br5 over to api, which uses it: the undo that deletes br5 at last refuses over them.
    const tail =
      ", which this run made, attached outside nsrecipe: its undo hands it over to run 'api', and the undo " +
      "that deletes it will not start until it is moved or removed";
    for (
      const what of ["'vnet3' is a port of bridge 'br5'", "address 192.0.2.7/24 is on bridge 'br5'"]
    ) assert.ok(r.stdout.includes(`${what}${tail}`), `${what}\n${r.stdout}`);
    assert.match(r.stdout, /route 203\.0\.113\.0\/24 .*goes through bridge 'br5', which this run made/);
    const api = await lab.nsrecipe(["status", "api"]);
    assert.match(api.stdout, /^ {2}state: {6}applied$/m, "the bridge is not api's: nothing on it is api's concern");
  });
});
