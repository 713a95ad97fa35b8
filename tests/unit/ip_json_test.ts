import assert from "node:assert/strict";
import { configuredNoarp, parseToolJson } from "../../src/host/mod.ts";
import { neighArgv, neighSpecFromJson } from "../../src/steps/mod.ts";

Deno.test("parseToolJson reads a link name with raw control characters (iproute2 prints them unescaped) exactly", () => {
  const raw = '[{"ifindex":7,"ifname":"e\x1b[31mX","flags":[]},{"ifindex":8,"ifname":"a;b$(id)\x01\x7f"}]';
  assert.throws(() => JSON.parse(raw), SyntaxError, "plain JSON.parse refuses it");
  assert.deepEqual(parseToolJson(raw), [
    { ifindex: 7, ifname: "e\x1b[31mX", flags: [] },
    { ifindex: 8, ifname: "a;b$(id)\x01\x7f" },
  ]);
});

Deno.test("parseToolJson keeps escapes already in a string and control characters outside strings (whitespace)", () => {
  assert.deepEqual(parseToolJson('[\n{"a":"q\\"\x09\\\\"}\n]'), [{ a: 'q"\t\\' }]);
  assert.deepEqual(parseToolJson('{"a":"\x00"}'), { a: "\x00" });
});

Deno.test("parseToolJson still throws on text that is not JSON", () => {
  assert.throws(() => parseToolJson('[{"a":"x"'), SyntaxError);
  assert.throws(() => parseToolJson("Error: not json"), SyntaxError);
});

Deno.test("configuredNoarp keeps an admin's 'nud noarp' entry (unicast MAC) and leaves out the kernel's own (multicast, broadcast, loopback)", () => {
  const e = (dst: string, lladdr?: string, state = ["NOARP"]) => ({ dst, dev: "eth0", lladdr, state });
  assert.equal(configuredNoarp(e("198.51.100.30", "02:11:22:33:44:56")), true);
  assert.equal(configuredNoarp(e("198.51.100.30", "02:11:22:33:44:56", ["PERMANENT"])), false);
  assert.equal(configuredNoarp(e("224.0.0.22", "01:00:5e:00:00:16")), false);
  assert.equal(configuredNoarp(e("198.51.100.255", "ff:ff:ff:ff:ff:ff")), false);
  assert.equal(configuredNoarp(e("ff02::1", "33:33:00:00:00:01")), false);
  assert.equal(configuredNoarp(e("127.0.0.1", "00:00:00:00:00:00")), false);
  assert.equal(configuredNoarp(e("10.0.0.1")), false);
});

Deno.test("a noarp entry with extern_learn and router round-trips: neighSpecFromJson, then neighArgv re-adds it as it was", () => {
  const spec = neighSpecFromJson({
    dst: "2001:db8:1::31",
    dev: "eth0",
    lladdr: "02:11:22:33:44:58",
    router: null,
    extern_learn: null,
    state: ["NOARP"],
  });
  assert.deepEqual(spec, {
    dst: "2001:db8:1::31",
    lladdr: "02:11:22:33:44:58",
    router: true,
    externLearn: true,
    noarp: true,
  });
  assert.deepEqual(neighArgv("replace", spec, "br0"), [
    "ip",
    "neigh",
    "replace",
    "2001:db8:1::31",
    "lladdr",
    "02:11:22:33:44:58",
    "router",
    "extern_learn",
    "nud",
    "noarp",
    "dev",
    "br0",
  ]);
  assert.deepEqual(neighArgv("replace", { dst: "198.51.100.1", lladdr: "02:00:00:00:00:01" }, "br0").slice(-4), [
    "nud",
    "permanent",
    "dev",
    "br0",
  ]);
});
