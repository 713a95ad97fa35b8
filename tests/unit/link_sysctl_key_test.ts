import assert from "node:assert/strict";
import { linkSysctlKey, linkSysctlPath, parseLinkSysctlKey, readLinkSysctls } from "../../src/host/mod.ts";
import { CommandError } from "../../src/errors.ts";

Deno.test("X3/X4: linkSysctlPath keeps a link's dots inside its /proc/sys directory", () => {
  assert.equal(linkSysctlPath("net.ipv4.conf", "eth0.100", "forwarding"), "net/ipv4/conf/eth0.100/forwarding");
  assert.equal(linkSysctlPath("net.ipv6.conf", "bond0.10", "accept_ra"), "net/ipv6/conf/bond0.10/accept_ra");
  assert.equal(linkSysctlPath("net.ipv4.neigh", "v.1.2", "retrans_time"), "net/ipv4/neigh/v.1.2/retrans_time");
  assert.equal(linkSysctlPath("net.ipv4.conf", "en.1", ""), "net/ipv4/conf/en.1");
});

Deno.test("X3/X4: linkSysctlKey writes a link's dots as / (sysctl(8)), and parseLinkSysctlKey reads them back", () => {
  assert.equal(linkSysctlKey("net.ipv4.conf", "eth0.100", "forwarding"), "net.ipv4.conf.eth0/100.forwarding");
  assert.equal(linkSysctlKey("net.ipv4.conf", "br0", "arp_ignore"), "net.ipv4.conf.br0.arp_ignore");
  for (const dev of ["eth0.100", "bond0.10", "a.b.c", "eth0", "x-y_z@1"]) {
    const key = linkSysctlKey("net.ipv6.conf", dev, "accept_ra");
    assert.deepEqual(parseLinkSysctlKey(key), { tree: "net.ipv6.conf", dev, name: "accept_ra" });
  }
  // As procps sysctl prints a dotted link's key.
  assert.deepEqual(parseLinkSysctlKey("net.ipv4.conf.v/1.forwarding"), {
    tree: "net.ipv4.conf",
    dev: "v.1",
    name: "forwarding",
  });
});

Deno.test("X3/X4: a link name no sysctl key can address is refused, not mangled", () => {
  for (const dev of ["", ".", "..", "a=b", "a/b", "a b"]) {
    assert.throws(() => linkSysctlPath("net.ipv4.conf", dev, "forwarding"), RangeError, dev);
    assert.throws(() => linkSysctlKey("net.ipv4.conf", dev, "forwarding"), RangeError, dev);
  }
});

Deno.test("X3/X4: readLinkSysctls asks for a dotted link by its directory and throws when a read fails, never gives []", async () => {
  const asked: string[][] = [];
  const run = (argv: readonly string[]) => {
    asked.push([...argv]);
    if (argv.includes("-N")) {
      return Promise.resolve({ argv, durationMs: 1, code: 0, stdout: "net.ipv4.conf.en/1.forwarding\n", stderr: "" });
    }
    return Promise.resolve({
      argv,
      durationMs: 1,
      code: 255,
      stdout: "",
      stderr: "sysctl: cannot stat /proc/sys/net/ipv4/conf/en.1/forwarding: No such file or directory\n",
    });
  };
  const err = await readLinkSysctls(run, undefined, ["net.ipv4.conf"], ["en.1"]).then(
    () => undefined,
    (e) => e,
  );
  assert.ok(err instanceof CommandError, String(err));
  assert.equal(err.code, 255);
  assert.match(err.message, /cannot stat \/proc\/sys\/net\/ipv4\/conf\/en\.1\/forwarding/);
  assert.deepEqual(asked, [
    ["sysctl", "-N", "-e", "net/ipv4/conf/en.1"],
    ["sysctl", "net/ipv4/conf/en.1/forwarding"],
  ]);
});

Deno.test("X3/X4: readLinkSysctls gives a dotted link's values under its own name", async () => {
  const run = (argv: readonly string[]) =>
    Promise.resolve({
      argv,
      durationMs: 1,
      code: 0,
      stdout: argv.includes("-N")
        ? "net.ipv4.conf.eth0/100.forwarding\nnet.ipv4.conf.eth0/100.rp_filter\n"
        : "net.ipv4.conf.eth0/100.forwarding = 1\nnet.ipv4.conf.eth0/100.rp_filter = 2\n",
      stderr: "",
    });
  assert.deepEqual(await readLinkSysctls(run, undefined, ["net.ipv4.conf"], ["eth0.100"]), [
    { tree: "net.ipv4.conf", dev: "eth0.100", name: "forwarding", value: "1" },
    { tree: "net.ipv4.conf", dev: "eth0.100", name: "rp_filter", value: "2" },
  ]);
});
