import assert from "node:assert/strict";
import { raHoplimit, routeArgv, routeSpecFromJson } from "../../src/steps/mod.ts";
import { EMPTY_FACTS } from "../../src/host/mod.ts";
import { raRouteNotes, unmovableRoutes } from "../../recipes/uplink.ts";

const RA = {
  dst: "default",
  gateway: "fe80::1",
  dev: "eth0",
  protocol: "ra",
  metric: 1024,
  flags: [],
  expires: 1791,
  metrics: [{ hoplimit: 64 }],
  pref: "medium",
};

Deno.test("X9: raHoplimit takes the hop limit of a proto ra route whose only metric it is, nothing else", () => {
  assert.equal(raHoplimit(RA), 64);
  assert.equal(raHoplimit({ ...RA, metrics: [{ hoplimit: 255 }] }), 255);
  assert.equal(raHoplimit({ ...RA, protocol: "static" }), undefined);
  assert.equal(raHoplimit({ ...RA, protocol: undefined }), undefined);
  assert.equal(raHoplimit({ ...RA, metrics: [{ hoplimit: 64, mtu: 1400 }] }), undefined);
  assert.equal(raHoplimit({ ...RA, metrics: [{ mtu: 1400 }] }), undefined);
  assert.equal(raHoplimit({ ...RA, metrics: [{ hoplimit: 0 }] }), undefined);
  assert.equal(raHoplimit({ ...RA, metrics: undefined }), undefined);
});

Deno.test("X9: an RA default route is re-added with proto, metric, expires and hoplimit exactly", () => {
  const spec = routeSpecFromJson(RA, 6);
  assert.deepEqual(spec, {
    family: 6,
    dst: "default",
    via: "fe80::1",
    dev: "eth0",
    proto: "ra",
    metric: 1024,
    expires: 1791,
    hoplimit: 64,
  });
  assert.deepEqual(routeArgv("add", { ...spec, dev: "br0" }), [
    ...["ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "br0", "proto", "ra", "metric", "1024"],
    ...["expires", "1791", "hoplimit", "64"],
  ]);
  assert.deepEqual(routeArgv("del", spec), [
    ...["ip", "-6", "route", "del", "default", "via", "fe80::1", "dev", "eth0", "proto", "ra", "metric", "1024"],
  ]);
});

Deno.test("X9: full-migrate takes an RA route with hoplimit, refuses hoplimit elsewhere and other metrics, and notes the RA route's lifetime", () => {
  const other = { ...RA, dst: "2001:db8:5::/64", protocol: "boot", expires: undefined };
  const mtu = { ...RA, dst: "2001:db8:6::/64", metrics: [{ hoplimit: 64, mtu: 1400 }] };
  const facts = { ...EMPTY_FACTS, routes6: [RA, other, mtu] };
  assert.deepEqual(unmovableRoutes(facts, "eth0"), [
    "2001:db8:5::/64 (route metrics hoplimit)",
    "2001:db8:6::/64 (route metrics hoplimit,mtu)",
  ]);
  const notes = raRouteNotes({ ...EMPTY_FACTS, routes6: [RA] }, "eth0", "br0");
  assert.deepEqual(notes, [
    "The router-advertised route default via fe80::1 (proto ra hoplimit 64 pref medium expires 1791sec) moves to 'br0' as it is, with its remaining lifetime, not as a permanent route: it lapses when the router's advertisement would have, unless the router advertises again on 'br0' (which takes the accept_ra setting of 'eth0'); undo puts it back on 'eth0' with the lifetime it had when moved.",
  ]);
});
