import assert from "node:assert/strict";
import { checkUplink, resolveUplink } from "../../src/doctor/mod.ts";
import { doctorFacts, labHost, link, missing, text } from "../support/doctor_facts.ts";

Deno.test("resolveUplink: --uplink wins and its own gateways are reported", () => {
  const host = labHost({
    links: [...labHost().links, link("eth1", 3)],
    routes4: [
      { dst: "default", gateway: "198.51.100.1", dev: "eth0", metric: 100, flags: [] },
      { dst: "default", gateway: "203.0.113.1", dev: "eth1", metric: 200, flags: [] },
    ],
  });
  const up = resolveUplink(host, "eth1");
  assert.equal(up?.dev, "eth1");
  assert.equal(up?.gateway4, "203.0.113.1");
  assert.equal(up?.gateway6, undefined);
  assert.equal(up?.requested, true);
});

Deno.test("uplink: the lab's eth0 is ok, naming both gateways", () => {
  const f = checkUplink(doctorFacts(), {});
  assert.equal(f.verdict, "ok");
  assert.equal(f.summary, "Uplink 'eth0' (IPv4 default via 198.51.100.1, IPv6 default via 2001:db8:1::1)");
});

Deno.test("uplink: no default route warns for doctor and fails for full-migrate", () => {
  const facts = doctorFacts({ host: text(labHost({ routes4: [], routes6: [] })) });
  const f = checkUplink(facts, {});
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /No default route/);
  assert.match(f.fix ?? "", /--uplink DEV/);
  assert.equal(checkUplink(facts, { movesUplink: true }).verdict, "fail");
});

Deno.test("uplink: --uplink naming a missing link fails", () => {
  const f = checkUplink(doctorFacts({ uplinkRequested: "nosuch0" }), {});
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /'nosuch0' given with --uplink does not exist/);
});

Deno.test("uplink: a bridge uplink is fine for doctor (attach to it) but full-migrate refuses it (K14)", () => {
  const host = labHost({
    links: [labHost().links[0], link("up1", 2, "bridge")],
    routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "up1", flags: [] }],
    routes6: [],
  });
  const doc = checkUplink(doctorFacts({ host: text(host) }), {});
  assert.equal(doc.verdict, "ok");
  assert.match(doc.summary, /already a bridge/);
  const fm = checkUplink(doctorFacts({ host: text(host) }), { movesUplink: true });
  assert.equal(fm.verdict, "fail");
  assert.match(fm.fix ?? "", /nsrecipe run veth-bridge --bridge up1/);
});

Deno.test("uplink: an uplink that is already a bridge port warns (fails for full-migrate), naming its bridge", () => {
  const host = labHost({ links: [labHost().links[0], link("eth0", 2, "veth", { master: "brX" })] });
  const f = checkUplink(doctorFacts({ host: text(host) }), {});
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /port of 'brX'/);
  assert.equal(checkUplink(doctorFacts({ host: text(host) }), { movesUplink: true }).verdict, "fail");
});

Deno.test("uplink: IPv4 and IPv6 defaults on different links warn that only one moves", () => {
  const host = labHost({
    links: [...labHost().links, link("eth1", 3)],
    routes6: [{ dst: "default", gateway: "2001:db8:2::1", dev: "eth1", flags: [] }],
  });
  const f = checkUplink(doctorFacts({ host: text(host) }), {});
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /IPv6 default route uses 'eth1'/);
});

Deno.test("uplink: unreadable links are 'not checked'", () => {
  const f = checkUplink(doctorFacts({ host: missing("'ip' failed: 'ip' was not found in PATH") }), {});
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /^Not checked: 'ip' failed/);
});

Deno.test("X2: an uplink carrying a macvlan warns for doctor and fails for full-migrate, naming it (one shared fact)", () => {
  const host = labHost({
    links: [...labHost().links, link("mv0", 3, "macvlan", { link: "eth0" })],
  });
  for (const [ctx, verdict] of [[{}, "warn"], [{ movesUplink: true }, "fail"]] as const) {
    const f = checkUplink(doctorFacts({ host: text(host) }), ctx);
    assert.equal(f.verdict, verdict);
    assert.match(f.summary, /^The uplink 'eth0' carries macvlan 'mv0': it cannot become a bridge port/);
    assert.match(f.fix ?? "", /Remove it first \('ip link del mv0'\)/);
  }
});
