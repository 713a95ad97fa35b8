import assert from "node:assert/strict";
import { CAP_NET_ADMIN, checkPrivileges, hasCap, parseProcStatus } from "../../src/doctor/mod.ts";
import { doctorFacts, missing, ROOT_STATUS, text } from "../support/doctor_facts.ts";

Deno.test("parseProcStatus reads the effective uid and CapEff of /proc/PID/status", () => {
  const st = parseProcStatus("Uid:\t1000\t1001\t1000\t1000\nCapEff:\t0000000000001000\n");
  assert.deepEqual(st, { euid: 1001, capEff: 0x1000n });
  assert.ok(hasCap(st!.capEff, CAP_NET_ADMIN));
  assert.equal(parseProcStatus("Name:\tcat\n"), undefined);
});

Deno.test("privileges: root with every capability is ok", () => {
  const f = checkPrivileges(doctorFacts({ procStatus: text(ROOT_STATUS) }));
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /CAP_NET_ADMIN and CAP_SYS_ADMIN/);
});

Deno.test("privileges: not root fails, naming the uid and saying to use sudo", () => {
  const f = checkPrivileges(
    doctorFacts({ procStatus: text("Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n") }),
  );
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /effective uid 1000/);
  assert.match(f.fix ?? "", /sudo/);
});

Deno.test("privileges: root without CAP_NET_ADMIN (a restricted container) fails naming the capability", () => {
  // Docker's default capability set (CapEff 00000000a80425fb) lacks both.
  const f = checkPrivileges(doctorFacts({ procStatus: text("Uid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\n") }));
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /CAP_NET_ADMIN and CAP_SYS_ADMIN are missing/);
  assert.match(f.fix ?? "", /--cap-add NET_ADMIN --cap-add SYS_ADMIN/);
  const onlySys = checkPrivileges(doctorFacts({ procStatus: text("Uid:\t0\t0\t0\t0\nCapEff:\t0000000000201000\n") }));
  assert.equal(onlySys.verdict, "ok", "bits 12 and 21 are enough");
  const noSys = checkPrivileges(doctorFacts({ procStatus: text("Uid:\t0\t0\t0\t0\nCapEff:\t0000000000001000\n") }));
  assert.equal(noSys.verdict, "fail");
  assert.match(noSys.summary, /CAP_SYS_ADMIN is missing/);
});

Deno.test("privileges: an unreadable status is a warning, not a guess", () => {
  const f = checkPrivileges(doctorFacts({ procStatus: missing("Permission denied") }));
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /Not checked: Permission denied/);
});
