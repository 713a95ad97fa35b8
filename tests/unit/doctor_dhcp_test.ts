import assert from "node:assert/strict";
import { checkDhcp, describeLease, isDynamic } from "../../src/doctor/mod.ts";
import { addr4, doctorFacts, labHost, text } from "../support/doctor_facts.ts";

const leased = addr4("198.51.100.50", 24, {
  dynamic: true,
  secondary: true,
  valid_life_time: 300,
  preferred_life_time: 240,
});
const dhcpHost = labHost({ addrs: [{ ifname: "eth0", addr_info: [addr4("198.51.100.10", 24), leased] }] });

Deno.test("isDynamic: dynamic with a finite valid lifetime; permanent addresses are not", () => {
  assert.ok(isDynamic(leased));
  assert.ok(!isDynamic(addr4("198.51.100.10", 24)));
  assert.ok(!isDynamic(addr4("198.51.100.11", 24, { dynamic: true })), "forever is not a lease");
  assert.equal(describeLease(leased), "198.51.100.50/24 (valid 300 s, preferred 240 s)");
});

Deno.test("dhcp: doctor warns, reports the lifetimes, and says full-migrate refuses without --force", () => {
  const f = checkDhcp(doctorFacts({ host: text(dhcpHost) }), {});
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    "'eth0' has a DHCP-managed address 198.51.100.50/24 (valid 300 s, preferred 240 s): the lease is tied to " +
      "'eth0'; full-migrate refuses it without --force",
  );
  assert.match(f.fix ?? "", /renews the lease on 'eth0'/);
  assert.match(f.fix ?? "", /ip addr change 198\.51\.100\.50\/24 dev eth0 valid_lft forever preferred_lft forever/);
});

Deno.test("dhcp: full-migrate fails without --force and warns with it", () => {
  assert.equal(checkDhcp(doctorFacts({ host: text(dhcpHost) }), { movesUplink: true }).verdict, "fail");
  const forced = checkDhcp(doctorFacts({ host: text(dhcpHost) }), { movesUplink: true, force: true });
  assert.equal(forced.verdict, "warn");
  assert.match(forced.summary, /full-migrate copies it \(--force given\)$/);
});

Deno.test("dhcp: static addresses and addresses on other links are ok", () => {
  assert.equal(checkDhcp(doctorFacts(), {}).verdict, "ok");
  const other = labHost({ addrs: [{ ifname: "eth1", addr_info: [leased] }] });
  assert.equal(checkDhcp(doctorFacts({ host: text(other) }), {}).verdict, "ok");
});
