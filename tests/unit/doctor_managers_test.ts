import assert from "node:assert/strict";
import { checkManagers, type DoctorFacts, interfacesNames, keyValue } from "../../src/doctor/mod.ts";
import { doctorFacts, missing, text } from "../support/doctor_facts.ts";

function withFiles(files: Partial<NonNullable<DoctorFacts["uplinkFiles"]>>, managers = {}): DoctorFacts {
  const base = doctorFacts();
  return {
    ...base,
    uplinkFiles: { ...base.uplinkFiles!, ...files },
    managers: { ...base.managers, ...managers },
  };
}

const NM_MANAGED = "# NetworkManager device state file\n[device]\nmanaged=true\nperm-hw-addr-fake=\n" +
  "connection-uuid=0d3c5a5e-6f0b-3f2c-9d55-2b0d1c0a7e11\nnm-owned=false\n";
const NETWORKD = "# This is private data. Do not parse.\nADMIN_STATE=configured\nOPER_STATE=routable\n" +
  "NETWORK_FILE=/etc/systemd/network/10-eth0.network\n";

Deno.test("keyValue reads KEY=value lines of keyfiles and state files", () => {
  assert.equal(keyValue(NM_MANAGED, "managed"), "true");
  assert.equal(keyValue(NETWORKD, "NETWORK_FILE"), "/etc/systemd/network/10-eth0.network");
  assert.equal(keyValue(NETWORKD, "MISSING"), undefined);
});

Deno.test("interfacesNames finds iface, auto and allow-* stanzas for exactly that device", () => {
  assert.ok(interfacesNames("auto lo eth0\n", "eth0"));
  assert.ok(interfacesNames("allow-hotplug eth0\niface eth0 inet dhcp\n", "eth0"));
  assert.ok(!interfacesNames("iface eth0.10 inet manual\n# iface eth0 inet dhcp\n", "eth0"));
  assert.ok(!interfacesNames("auto lo\niface lo inet loopback\nsource /etc/network/interfaces.d/*\n", "eth0"));
});

Deno.test("network-manager: none owns the uplink on a plain host", () => {
  const f = checkManagers(doctorFacts());
  assert.equal(f.verdict, "ok");
  assert.equal(f.summary, "No network manager owns 'eth0'");
});

Deno.test("network-manager: NetworkManager managing the uplink warns with nmcli device set … managed no", () => {
  const f = checkManagers(withFiles({ nmDevice: text(NM_MANAGED) }, { networkManager: text(true) }));
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /NetworkManager \(managed=true in \/run\/NetworkManager\/devices\/2\)/);
  assert.match(f.summary, /may undo or fight full-migrate/);
  assert.match(f.fix ?? "", /^nmcli device set eth0 managed no/m);
  assert.match(f.fix ?? "", /match-device=interface-name:eth0\\nmanaged=0/);
});

Deno.test("network-manager: a device NetworkManager marks unmanaged is ok", () => {
  const f = checkManagers(withFiles({ nmDevice: text("[device]\nmanaged=false\n") }, { networkManager: text(true) }));
  assert.equal(f.verdict, "ok");
});

Deno.test("network-manager: NetworkManager running without state for the uplink still warns", () => {
  const f = checkManagers(withFiles({ nmDevice: missing() }, { networkManager: text(true) }));
  assert.equal(f.verdict, "warn");
  assert.match(f.fix ?? "", /nmcli device status/);
});

Deno.test("network-manager: systemd-networkd configuring the uplink warns with Unmanaged=yes and networkctl reload", () => {
  const f = checkManagers(withFiles({ networkdLink: text(NETWORKD) }, { networkd: text(true) }));
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /systemd-networkd \(ADMIN_STATE=configured from \/etc\/systemd\/network\/10-eth0\.network\)/);
  assert.match(f.fix ?? "", /\[Link\]\\nUnmanaged=yes\\n' > \/etc\/systemd\/network\/00-nsrecipe-eth0\.network/);
  assert.match(f.fix ?? "", /networkctl reload/);
  const unmanaged = checkManagers(withFiles({ networkdLink: text("ADMIN_STATE=unmanaged\n") }));
  assert.equal(unmanaged.verdict, "ok");
});

Deno.test("network-manager: ifupdown state or configuration for the uplink warns", () => {
  const byState = checkManagers(withFiles({ ifstateDev: text("eth0\n") }));
  assert.equal(byState.verdict, "warn");
  assert.match(byState.summary, /ifupdown \(\/run\/network\/ifstate\.eth0\)/);
  const old = checkManagers(withFiles({}, { ifstate: text("lo=lo\neth0=eth0\n") }));
  assert.match(old.summary, /ifupdown \(\/run\/network\/ifstate\)/);
  const conf = checkManagers(withFiles({}, { interfaces: text("auto eth0\niface eth0 inet dhcp\n") }));
  assert.equal(conf.verdict, "warn");
  assert.match(conf.summary, /ifupdown \(\/etc\/network\/interfaces\)/);
  assert.match(conf.fix ?? "", /do not run 'ifdown eth0'/);
});

Deno.test("network-manager: several owners are all named, each with its fix", () => {
  const f = checkManagers(
    withFiles({ nmDevice: text(NM_MANAGED), ifstateDev: text("eth0\n") }, { networkManager: text(true) }),
  );
  assert.match(f.summary, /NetworkManager .* and ifupdown /);
  assert.equal((f.fix ?? "").split("\n").length, 3);
});

Deno.test("network-manager: state files of another device are ignored", () => {
  const f = checkManagers(withFiles({ dev: "eth1", nmDevice: text(NM_MANAGED) }));
  assert.equal(f.verdict, "ok");
});

Deno.test("network-manager: a state file that exists but could not be read (a FIFO whose read timed out, a directory) is said not checked, not 'no manager'; an absent one is not", () => {
  const timedOut = { ok: false as const, reason: "timed out after 5000 ms and was killed" };
  const f = checkManagers(withFiles({ ifstateDev: { ok: false, reason: "Is a directory" } }, { ifstate: timedOut }));
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    "Not fully checked: /run/network/ifstate: timed out after 5000 ms and was killed; /run/network/ifstate.eth0: Is " +
      "a directory; no network manager was seen owning 'eth0' in the rest",
  );
  assert.match(f.fix ?? "", /ls -l \/run\/network/);
  const absent = checkManagers(withFiles({}, { ifstate: missing("No such file or directory") }));
  assert.deepEqual([absent.verdict, absent.summary], ["ok", "No network manager owns 'eth0'"]);
});
