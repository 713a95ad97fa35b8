import assert from "node:assert/strict";
import { checkWireless } from "../../src/doctor/mod.ts";
import { doctorFacts, labHost, text } from "../support/doctor_facts.ts";

const wifi = doctorFacts({ host: text(labHost({ wireless: ["eth0"] })) });

Deno.test("wireless: a wireless uplink fails for doctor and full-migrate, offering veth-bridge --nat", () => {
  for (const movesUplink of [undefined, true]) {
    const f = checkWireless(wifi, { movesUplink });
    assert.equal(f.verdict, "fail");
    assert.match(f.summary, /'eth0' is wireless \(DEVTYPE=wlan\).*full-migrate refuses it/);
    assert.match(f.fix ?? "", /nsrecipe run veth-bridge --nat/);
  }
});

Deno.test("wireless: a wireless uplink does not matter to recipes that leave the uplink alone", () => {
  assert.equal(checkWireless(wifi, { movesUplink: false }).verdict, "ok");
});

Deno.test("wireless: another wireless link than the uplink is not a problem", () => {
  const f = checkWireless(doctorFacts({ host: text(labHost({ wireless: ["wlan0"] })) }), {});
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /'eth0' is not wireless/);
});

Deno.test("wireless: no uplink, nothing to check", () => {
  const f = checkWireless(doctorFacts({ host: text(labHost({ routes4: [], routes6: [], wireless: ["eth0"] })) }), {});
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /No uplink/);
});
