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

Deno.test("M6: a SLAAC address is named as autoconfigured from router advertisements, never as a DHCP lease", () => {
  const slaac = {
    family: "inet6" as const,
    local: "2001:db8:0:1:5054:ff:fe12:3456",
    prefixlen: 64,
    scope: "global",
    dynamic: true,
    mngtmpaddr: true,
    valid_life_time: 86400,
    preferred_life_time: 14400,
  };
  const host = labHost({ addrs: [{ ifname: "eth0", addr_info: [addr4("198.51.100.10", 24), slaac] }] });
  const f = checkDhcp(doctorFacts({ host: text(host) }), { movesUplink: true });
  assert.equal(f.verdict, "fail");
  assert.equal(
    f.summary,
    "'eth0' has an IPv6 address autoconfigured from router advertisements (SLAAC) 2001:db8:0:1:5054:ff:fe12:3456/64 " +
      "(valid 86400 s, preferred 14400 s); full-migrate refuses it without --force",
  );
  assert.doesNotMatch(`${f.summary}\n${f.fix}`, /DHCP|lease/);
  // With a DHCP lease beside it, the DHCP wording stays (the lease is the one a client would lose).
  const both = labHost({ addrs: [{ ifname: "eth0", addr_info: [leased, slaac] }] });
  assert.match(checkDhcp(doctorFacts({ host: text(both) }), {}).summary, /DHCP-managed addresses/);
});

Deno.test("H9/H10: a privacy (temporary) address and one that failed DAD are no lease: full-migrate leaves them to the kernel", () => {
  const v6 = { family: "inet6" as const, prefixlen: 64, scope: "global", dynamic: true, preferred_life_time: 85000 };
  const host = labHost({
    addrs: [{
      ifname: "eth0",
      addr_info: [
        addr4("198.51.100.10", 24),
        { ...v6, local: "2001:db8:1:0:62bd:75ea:f80e:a70b", temporary: true, valid_life_time: 604798 },
        { ...v6, local: "2001:db8:1::20", tentative: true, dadfailed: true, valid_life_time: 3000 },
      ],
    }],
  });
  const f = checkDhcp(doctorFacts({ host: text(host) }), { movesUplink: true });
  assert.equal(f.verdict, "ok", f.summary);
  assert.equal(f.summary, "No DHCP-managed address on 'eth0'");
});
