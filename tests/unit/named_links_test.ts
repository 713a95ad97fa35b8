import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { NamedLinksReader, readNamedLinks } from "../../src/host/mod.ts";

const link = (ifindex: number, ifname: string, extra: Record<string, unknown> = {}) => ({
  ifindex,
  ifname,
  flags: ["UP"],
  mtu: 1500,
  operstate: "UP",
  addr_info: [],
  ...extra,
});

/** `ip -force -json -details -batch -` as iproute2 answers it: the links `present`, the others failed lines. */
function answers(present: Record<string, object>) {
  return (stdin: string) => {
    const names = stdin.trim().split("\n").map((l) => l.replace(/^addr show dev /, ""));
    const stdout = names.filter((n) => n in present).map((n) => JSON.stringify([present[n]])).join("\n");
    const stderr = names.flatMap((n, i) =>
      n in present ? [] : [`Device "${n}" does not exist.`, `Command failed -:${i + 1}`]
    ).join("\n");
    return { code: stderr ? 1 : 0, stdout: stdout && `${stdout}\n`, stderr };
  };
}

Deno.test("readNamedLinks: one ip -force -batch for every name; a failed line is a link that does not exist, the others map in order", async () => {
  const present = { "veth-web": link(5, "veth-web"), br0: link(7, "br0", { linkinfo: { info_kind: "bridge" } }) };
  const respond = answers(present);
  let stdin = "";
  const { run, calls } = recordingRunner((argv) => (argv.includes("-batch") ? respond(stdin) : {}));
  const spy: typeof run = (argv, opts = {}) => {
    stdin = opts.stdin ?? "";
    return run(argv, opts);
  };
  const got = await readNamedLinks(spy, ["p-1", "veth-web", "nosuch", "br0"]);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0].argv, ["ip", "-force", "-json", "-details", "-batch", "-"]);
  assert.equal(stdin, "addr show dev p-1\naddr show dev veth-web\naddr show dev nosuch\naddr show dev br0\n");
  assert.deepEqual([...got.entries()].map(([n, l]) => [n, l?.ifname]), [
    ["p-1", undefined],
    ["veth-web", "veth-web"],
    ["nosuch", undefined],
    ["br0", "br0"],
  ]);
});

Deno.test("readNamedLinks: output that does not match its lines (ip cut short) is an error, not a guess", async () => {
  const { run } = recordingRunner(() => ({ code: 1, stdout: `${JSON.stringify([link(5, "a")])}\n`, stderr: "" }));
  await assert.rejects(readNamedLinks(run, ["a", "b"]), /1 answers to 2 lines/);
});

Deno.test("NamedLinksReader: the named host links from one read, both as links and with their addresses; other questions read on their own", async () => {
  const present = { br0: link(7, "br0", { addr_info: [{ family: "inet", local: "10.200.0.1", prefixlen: 24 }] }) };
  const respond = answers(present);
  let stdin = "";
  const { run, calls } = recordingRunner((argv) =>
    argv.includes("-batch") ? respond(stdin) : { stdout: JSON.stringify([link(1, "lo")]) }
  );
  const spy: typeof run = (argv, opts = {}) => {
    stdin = opts.stdin ?? "";
    return run(argv, opts);
  };
  const ip = new NamedLinksReader(spy, ["br0", "veth-web", "br0"]);
  assert.equal((await ip.link("br0"))?.ifindex, 7);
  assert.equal(await ip.link("veth-web"), undefined);
  assert.deepEqual((await ip.addrs(undefined, "br0"))[0].addr_info.map((a) => a.local), ["10.200.0.1"]);
  assert.deepEqual(await ip.addrs(undefined, "veth-web"), []);
  assert.equal(calls.length, 1, "one process for every question about the named links");
  assert.equal(stdin, "addr show dev br0\naddr show dev veth-web\n");
  // A link not named, or one in a named netns: the snapshot's own read.
  assert.equal((await ip.link("lo"))?.ifindex, 1);
  assert.equal(calls.length, 2);
  assert.ok(!calls[1].argv.includes("-force"));
});

Deno.test("NamedLinksReader.batchReads: the links expected, both route families, then the links moved away; a read that finds a link gone stops there and answers it, the rest are read on their own", async () => {
  const veth = link(5, "veth-web", { linkinfo: { info_kind: "veth" } });
  const respond = answers({ br0: link(7, "br0") });
  let stdin = "";
  const { run, calls } = recordingRunner((argv) => (argv.includes("-batch") ? respond(stdin) : {}));
  const spy: typeof run = (argv, opts = {}) => {
    stdin = opts.stdin ?? "";
    return run(argv, opts);
  };
  const ip = new NamedLinksReader(spy, ["veth-web", "p-1", "br0", "veth-gone", "p-2"]);
  const reads = ip.batchReads(undefined, new Set(["p-1", "p-2"]));
  assert.deepEqual(reads.lines, [
    "addr show dev veth-web",
    "addr show dev br0",
    "addr show dev veth-gone",
    "route show table all root 0.0.0.0/0",
    "route show table all root ::/0",
    "addr show dev p-1",
    "addr show dev p-2",
  ]);
  // As iproute2 answers without -force: veth-web and br0, then 'veth-gone' is not there and the batch stops.
  reads.accept([JSON.stringify([veth]), JSON.stringify([link(7, "br0")])], 'Device "veth-gone" does not exist.');
  assert.equal((await ip.link("veth-web"))?.linkinfo?.info_kind, "veth");
  assert.equal((await ip.link("br0"))?.ifindex, 7);
  assert.equal(await ip.link("veth-gone"), undefined);
  assert.equal(calls.length, 0, "answered by the batch's reads");
  // The names after the failed line (and the routes) were not read: one process reads the names left.
  assert.equal(await ip.link("p-1"), undefined);
  assert.equal(await ip.link("p-2"), undefined);
  assert.equal(calls.length, 1);
  assert.equal(stdin, "addr show dev p-1\naddr show dev p-2\n");
});

Deno.test("NamedLinksReader.batchReads: every read answered, the routes too (in the form without -details); a failure other than a missing link answers nothing", async () => {
  const { run, calls } = recordingRunner(() => ({ code: 1, stderr: "unexpected" }));
  const ip = new NamedLinksReader(run, ["br0", "p-1"]);
  const reads = ip.batchReads(undefined, new Set(["p-1"]));
  const route4 = { type: "unicast", dst: "10.200.0.0/24", dev: "br0", table: "main", protocol: "kernel", flags: [] };
  reads.accept([JSON.stringify([link(7, "br0")]), JSON.stringify([route4]), "[]"], 'Device "p-1" does not exist.');
  assert.equal((await ip.link("br0"))?.ifindex, 7);
  assert.equal(await ip.link("p-1"), undefined);
  assert.deepEqual(await ip.routes(4), [{ dst: "10.200.0.0/24", dev: "br0", protocol: "kernel", flags: [] }]);
  assert.deepEqual(await ip.routes(6), []);
  assert.equal(calls.length, 0);

  const other = new NamedLinksReader(run, ["br0"]);
  other.batchReads().accept([], "Cannot send dump request: Connection refused");
  await assert.rejects(() => other.link("br0"), /unexpected/);
  assert.equal(calls.length, 1, "br0 read on its own");
});

Deno.test("NamedLinksReader.batchReads in a named netns: the whole look at it", () => {
  const { run } = recordingRunner();
  assert.deepEqual(new NamedLinksReader(run, ["br0"]).batchReads("web").lines, [
    "addr show",
    "route show table all root 0.0.0.0/0",
    "route show table all root ::/0",
    "neigh show nud permanent",
    "neigh show nud noarp",
    "neigh show proxy",
  ]);
});
