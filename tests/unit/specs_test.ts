import assert from "node:assert/strict";
import { addrArgv, addrSpecFromJson, routeArgv, routeMatches, routeSpecFromJson } from "../../src/steps/mod.ts";

Deno.test("addrArgv re-creates every attribute of a captured address, with dev NAME last", () => {
  const spec = addrSpecFromJson({
    family: "inet",
    local: "198.51.100.11",
    prefixlen: 24,
    broadcast: "198.51.100.255",
    scope: "global",
    label: "eth0:1",
    secondary: true,
    dynamic: true,
    valid_life_time: 300,
    preferred_life_time: 200,
  });
  assert.deepEqual(addrArgv("add", spec, "eth0"), [
    "ip",
    "addr",
    "add",
    "198.51.100.11/24",
    "broadcast",
    "198.51.100.255",
    "label",
    "eth0:1",
    "valid_lft",
    "300",
    "preferred_lft",
    "200",
    "dev",
    "eth0",
  ]);
  assert.deepEqual(addrArgv("del", spec, "eth0", "ns"), [
    "ip",
    "-n",
    "ns",
    "addr",
    "del",
    "198.51.100.11/24",
    "dev",
    "eth0",
  ]);
});

Deno.test("routeArgv keeps metric, proto, src, table and onlink of a captured route", () => {
  const spec = routeSpecFromJson({
    dst: "203.0.113.0/24",
    gateway: "198.51.100.254",
    dev: "eth0",
    protocol: "static",
    prefsrc: "198.51.100.10",
    metric: 50,
    table: "100",
    flags: ["onlink"],
  }, 4);
  assert.deepEqual(routeArgv("add", spec), [
    "ip",
    "-4",
    "route",
    "add",
    "203.0.113.0/24",
    "via",
    "198.51.100.254",
    "dev",
    "eth0",
    "proto",
    "static",
    "src",
    "198.51.100.10",
    "metric",
    "50",
    "table",
    "100",
    "onlink",
  ]);
});

Deno.test("routeMatches tells routes apart by metric and table, not only by prefix", () => {
  const r = { dst: "default", gateway: "198.51.100.1", dev: "eth0", metric: 100, flags: [] };
  assert.ok(routeMatches(r, { family: 4, dst: "default", dev: "eth0", metric: 100 }));
  assert.ok(!routeMatches(r, { family: 4, dst: "default", dev: "eth0", metric: 200 }));
  assert.ok(!routeMatches(r, { family: 4, dst: "default", dev: "eth0", table: "100" }));
  assert.ok(!routeMatches(r, { family: 4, dst: "default", dev: "br0" }));
});
