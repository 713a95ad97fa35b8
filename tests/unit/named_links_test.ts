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
