/**
 * `status --quick` (the list view's look beyond DEEP_UP_TO namespaces): one
 * read of the host, no process inside any namespace. What it can see is still
 * reported as drift, exactly as the deep look reports it; what it cannot see
 * (the inside of a live namespace) is listed as unchecked and the run reads
 * `applied (partly checked)`, never `applied`.
 */
import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";

interface Listed {
  label: string;
  shown: string;
  look: string;
  addresses: string[];
  bridge?: { name: string; addresses: string[] };
  drift: string[];
  unchecked: string[];
}

/** `status --json` with these options, by run name. */
async function listed(lab: TestLab, ...opts: string[]): Promise<Map<string, Listed>> {
  const r = await lab.nsrecipe(["--json", "status", ...opts]);
  assertExit(r, 0, `status ${opts.join(" ")}`);
  return new Map((JSON.parse(r.stdout).runs as Listed[]).map((x) => [x.label, x]));
}

/** The peer name of a veth-bridge run's veth, from its details. */
async function peerOf(lab: TestLab, name: string): Promise<string> {
  const r = await lab.nsrecipe(["status", name]);
  const peer = r.stdout.match(new RegExp(`'veth-${name}' <-> '(p-[0-9a-f]+)'`))?.[1];
  assert.ok(peer, r.stdout);
  return peer;
}

Deno.test("status --quick: no process inside a namespace; the inside of each is listed unchecked, 'applied (partly checked)', ADDRESS as journaled; a change inside is seen by --deep only", async () => {
  await withLab(async (lab) => {
    for (const n of ["web", "api"]) assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", n]), 0, n);
    const peer = await peerOf(lab, "web");

    const verbose = await lab.nsrecipe(["--verbose", "status", "--quick"]);
    assertExit(verbose, 0, "status --quick");
    const ran = verbose.stderr.match(/^\$ .*/gm)?.map((l) => l.replace(/\s+\(exit.*$/, "")) ?? [];
    assert.deepEqual(ran.filter((l) => /^\$ ip /.test(l)), ["$ ip -json -details -batch -"], verbose.stderr);
    assert.match(
      verbose.stdout,
      /^web +veth-bridge +applied \(partly checked\) +10\.200\.0\.2\/24 +br0 10\.200\.0\.1\/24 /m,
    );
    assert.match(verbose.stderr, /^quick look \(--quick\): 'applied \(partly checked\)' means /m);

    let runs = await listed(lab, "--quick");
    const web = runs.get("web")!;
    assert.deepEqual([web.look, web.shown, web.drift], ["quick", "applied (partly checked)", []]);
    assert.deepEqual(web.unchecked, [
      `move '${peer}' into 'web' as 'eth0'`,
      "bring link 'lo' up in 'web'",
      "bring link 'eth0' up in 'web'",
      "add address 10.200.0.2/24 to 'eth0' in 'web'",
      "add route default via 10.200.0.1 dev eth0 in 'web'",
      "links put in 'web' outside nsrecipe",
    ]);
    const details = await lab.nsrecipe(["status", "web", "--quick"]);
    assertExit(details, 0, "status web --quick");
    assert.match(details.stdout, /^ {2}state: {6}applied \(partly checked\)$/m);
    assert.equal(details.stdout.match(/^ {2}unchecked: {2}/gm)?.length, 6, details.stdout);
    // api's run made no bridge: the bridge's steps, checked on the host, are web's.
    assert.equal(runs.get("api")!.unchecked.length, 6, runs.get("api")!.unchecked.join("\n"));

    // The documented limit: a change inside a namespace is not seen by the quick look; the deep one sees it.
    assertExit(await lab.sh(["ip", "-n", "web", "addr", "del", "10.200.0.2/24", "dev", "eth0"]), 0, "addr del");
    runs = await listed(lab, "--quick");
    assert.deepEqual([runs.get("web")!.shown, runs.get("web")!.addresses], [
      "applied (partly checked)",
      ["10.200.0.2/24"],
    ]);
    const deep = await listed(lab, "--deep");
    assert.deepEqual([deep.get("web")!.look, deep.get("web")!.shown, deep.get("web")!.unchecked], [
      "deep",
      "drift",
      [],
    ]);
    assert.deepEqual(deep.get("web")!.addresses, []);
    assert.deepEqual(deep.get("web")!.drift, [
      "add address 10.200.0.2/24 to 'eth0' in 'web': address 10.200.0.2/24 is not on 'eth0'",
      "add route default via 10.200.0.1 dev eth0 in 'web': route default is not in the table",
    ]);
    assert.deepEqual([deep.get("api")!.shown, deep.get("api")!.unchecked], ["applied", []]);
  });
});

Deno.test("status --quick sees on the host what --deep sees: a veth deleted, the bridge's address removed, a port enslaved to the bridge by hand", async () => {
  await withLab(async (lab) => {
    for (const n of ["web", "api", "db"]) assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", n]), 0, n);
    const peer = await peerOf(lab, "api");
    for (
      const c of [
        "ip link del veth-api",
        "ip addr del 10.200.0.1/24 dev br0",
        "ip link add dev vnet3 type veth peer name vnet3p",
        "ip link set dev vnet3 master br0",
      ]
    ) assertExit(await lab.sh(c.split(" ")), 0, c);
    const quick = await listed(lab, "--quick");
    assert.deepEqual(quick.get("api")!.drift, [
      // Its port on the bridge and its being up (steps 4, 5 of a run on a bridge there already) went with it.
      `create veth pair 'veth-api' <-> '${peer}': veth end 'veth-api' does not exist; steps 4 and 5 went with it`,
    ]);
    assert.deepEqual(quick.get("web")!.drift, [
      "add address 10.200.0.1/24 to 'br0': address 10.200.0.1/24 is not on 'br0'",
      "'vnet3' is a port of bridge 'br0', which this run made, attached outside nsrecipe: its undo hands it over to " +
      "run 'api', and the undo that deletes it will not start until it is moved or removed",
    ]);
    assert.deepEqual([quick.get("db")!.shown, quick.get("db")!.drift], ["applied (partly checked)", []]);
    assert.deepEqual(quick.get("db")!.bridge, { name: "br0", addresses: [] });
    // The deep look finds the same on the host, and besides, for api, what went with its veth inside 'api'.
    const deep = await listed(lab, "--deep");
    assert.deepEqual(deep.get("web")!.drift, quick.get("web")!.drift);
    const apiDeep = deep.get("api")!.drift;
    assert.deepEqual(apiDeep.filter((d) => !/ in 'api'/.test(d)), quick.get("api")!.drift);
    assert.ok(apiDeep.length > quick.get("api")!.drift.length, apiDeep.join("\n"));
  });
});

Deno.test("status --quick: a namespace deleted by hand is drift with every step inside it, as --deep reports it; --deep with --quick is a usage error", async () => {
  await withLab(async (lab) => {
    for (const n of ["gone", "kept"]) assertExit(await lab.nsrecipe(["run", "netns", "--name", n]), 0, n);
    assertExit(await lab.sh(["ip", "netns", "del", "gone"]), 0, "netns del");
    const quick = await listed(lab, "--quick");
    const deep = await listed(lab, "--deep");
    // The step inside it (lo up, step 2) went with it: one line.
    assert.deepEqual(quick.get("gone")!.drift, [
      "create network namespace 'gone': 'gone' is not in 'ip netns list'; step 2 went with it",
    ]);
    assert.deepEqual(quick.get("gone")!.drift, deep.get("gone")!.drift);
    assert.deepEqual([quick.get("gone")!.shown, quick.get("gone")!.unchecked], ["drift", []]);
    assert.deepEqual(quick.get("kept")!.unchecked, [
      "bring link 'lo' up in 'kept'",
      "links put in 'kept' outside nsrecipe",
    ]);
    const both = await lab.nsrecipe(["status", "--deep", "--quick"]);
    assertExit(both, 2, "status --deep --quick");
    assert.match(both.stderr, /Give either --deep or --quick, not both/);
  });
});

Deno.test("status (no option) looks deep up to 8 live namespaces and quick beyond: the 9th run's namespace turns the table quick, deleting one turns it deep again", async () => {
  await withLab(async (lab) => {
    const names = Array.from({ length: 9 }, (_, i) => `q${i + 1}`);
    for (const n of names.slice(0, 8)) assertExit(await lab.nsrecipe(["run", "netns", "--name", n]), 0, n);
    let runs = await listed(lab);
    assert.deepEqual(new Set([...runs.values()].map((r) => `${r.look} ${r.shown}`)), new Set(["deep applied"]));
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "q9"]), 0, "q9");
    const table = await lab.nsrecipe(["status"]);
    assertExit(table, 0, "status");
    assert.match(table.stderr, /^quick look \(9 namespaces, more than 8\): /m);
    runs = await listed(lab);
    assert.equal(runs.size, 9);
    for (const n of names) {
      assert.deepEqual([runs.get(n)!.look, runs.get(n)!.shown, runs.get(n)!.unchecked], [
        "quick",
        "applied (partly checked)",
        [`bring link 'lo' up in '${n}'`, `links put in '${n}' outside nsrecipe`],
      ]);
    }
    // Only live namespaces count: with q9's deleted by hand, 8 are left and the table checks every step again.
    assertExit(await lab.sh(["ip", "netns", "del", "q9"]), 0, "netns del q9");
    runs = await listed(lab);
    assert.deepEqual([runs.get("q1")!.look, runs.get("q1")!.shown], ["deep", "applied"]);
    assert.deepEqual([runs.get("q9")!.shown, runs.get("q9")!.drift], ["drift", [
      "create network namespace 'q9': 'q9' is not in 'ip netns list'; step 2 went with it",
    ]]);
  });
});

Deno.test("status --quick: a namespace deleted, one deleted and made again under its name (read inside: what the run made there is gone), a run whose veth vanished, each with its state; the one made again reads as --deep reads it", async () => {
  await withLab(async (lab) => {
    for (const n of ["kept", "novel", "again", "gone"]) {
      assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", n]), 0, n);
    }
    for (const c of ["ip netns del gone", "ip netns del again", "ip netns add again", "ip link del veth-novel"]) {
      assertExit(await lab.sh(c.split(" ")), 0, c);
    }
    const verbose = await lab.nsrecipe(["--verbose", "status", "--quick"]);
    assertExit(verbose, 0, "status --quick");
    // Inside a namespace: only the one made again is read (and 'gone', whose read fails at once).
    const inside = verbose.stderr.match(/^\$ ip -n \S+/gm) ?? [];
    assert.deepEqual([...new Set(inside)].sort(), ["$ ip -n again", "$ ip -n gone"], verbose.stderr);
    assert.deepEqual(
      verbose.stdout.split("\n").slice(1, 5).map((l) => l.split(/ {2,}/).slice(0, 4)),
      [
        ["gone", "veth-bridge", "drift", "-"],
        ["again", "veth-bridge", "drift", "-"],
        ["novel", "veth-bridge", "drift", "10.200.0.3/24"],
        ["kept", "veth-bridge", "applied (partly checked)", "10.200.0.2/24"],
      ],
    );

    const quick = await listed(lab, "--quick");
    const deep = await listed(lab, "--deep");
    for (const n of ["gone", "again"]) {
      assert.deepEqual([quick.get(n)!.shown, quick.get(n)!.unchecked, quick.get(n)!.addresses], ["drift", [], []], n);
      assert.deepEqual(quick.get(n)!.drift, deep.get(n)!.drift, n);
    }
    const again = quick.get("again")!.drift;
    assert.match(
      again[0],
      /^'again' is now another network namespace \(inode \d+\), not the one this run made \(inode \d+\): undo will leave it alone$/,
    );
    assert.ok(again.includes("bring link 'eth0' up in 'again': link 'eth0' does not exist"), again.join("\n"));
    // What was in it went with it (a run on a bridge there already): the veth whose other end was in it (2), that end
    // (3), the veth's port and up (4, 5), and the links, address and route inside (6–9).
    assert.deepEqual(quick.get("gone")!.drift, [
      "create network namespace 'gone': 'gone' is not in 'ip netns list'; steps 2–9 went with it",
    ]);
    // The veth gone from the host: drift on the host, its end inside 'novel' not read (unchecked, never in effect).
    const novel = quick.get("novel")!;
    assert.equal(novel.shown, "drift");
    assert.equal(
      novel.drift[0].replace(/p-[0-9a-f]+/, "PEER"),
      "create veth pair 'veth-novel' <-> 'PEER': veth end 'veth-novel' does not exist; steps 4 and 5 went with it",
    );
    assert.ok(novel.unchecked.includes("add address 10.200.0.3/24 to 'eth0' in 'novel'"), novel.unchecked.join("\n"));
    assert.deepEqual([quick.get("kept")!.shown, quick.get("kept")!.drift], ["applied (partly checked)", []]);
    assert.deepEqual([deep.get("kept")!.shown, deep.get("novel")!.shown], ["applied", "drift"]);
  });
});
