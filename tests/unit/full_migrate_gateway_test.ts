import assert from "node:assert/strict";
import { gatewayOnLink } from "../../recipes/full_migrate.ts";
import { parseCidr } from "../../recipes/subnet.ts";

Deno.test("F11: the namespace's default route is onlink exactly when the host's gateway lies outside its prefix (not for an IPv6 link-local gateway)", () => {
  const v4 = parseCidr("198.51.100.50/24", "--address");
  const v6 = parseCidr("2001:db8:1::50/64", "--address6");
  assert.equal(gatewayOnLink("198.51.100.1", v4), false);
  assert.equal(gatewayOnLink("203.0.113.1", v4), true, "a gateway behind a host route (issue 9 case 2)");
  assert.equal(gatewayOnLink("198.51.101.1", v4), true, "the next /24");
  assert.equal(gatewayOnLink("2001:db8:1::1", v6), false);
  assert.equal(gatewayOnLink("2001:db8:99::1", v6), true, "a /128 outside the /64 (OVH-style)");
  assert.equal(gatewayOnLink("fe80::1", v6), false, "an RA's link-local gateway is on the link");
});
