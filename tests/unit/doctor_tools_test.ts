import assert from "node:assert/strict";
import { checkIp, checkUnshare, compareVersions, parseIpVersion, parseUnshareVersion } from "../../src/doctor/mod.ts";
import { doctorFacts, missing, text } from "../support/doctor_facts.ts";

Deno.test("parseIpVersion reads release numbers and old snapshot dates", () => {
  assert.deepEqual(parseIpVersion("ip utility, iproute2-6.1.0, libbpf 1.1.2\n"), {
    kind: "release",
    version: [6, 1, 0],
    text: "iproute2 6.1.0",
  });
  assert.deepEqual(parseIpVersion("ip utility, iproute2-ss200127\n"), {
    kind: "snapshot",
    date: 200127,
    text: "iproute2-ss200127",
  });
  assert.equal(parseIpVersion("BusyBox v1.36.1 multi-call binary.\n"), undefined);
});

Deno.test("compareVersions compares field by field, missing fields as 0", () => {
  assert.ok(compareVersions([2, 38, 1], [2, 32]) > 0);
  assert.ok(compareVersions([2, 9], [2, 32]) < 0);
  assert.equal(compareVersions([5, 0], [5, 0, 0]), 0);
});

for (
  const [out, verdict] of [
    ["ip utility, iproute2-6.1.0, libbpf 1.1.2", "ok"],
    ["ip utility, iproute2-5.10.0", "ok"],
    ["ip utility, iproute2-ss200127", "ok"],
    ["ip utility, iproute2-ss180129", "fail"],
    ["ip utility, iproute2-4.20.0", "fail"],
    ["BusyBox v1.36.1 (2023-06-05) multi-call binary.", "fail"],
  ] as const
) {
  Deno.test(`ip: '${out}' is ${verdict}`, () => {
    const f = checkIp(doctorFacts({ ipVersion: text(out) }));
    assert.equal(f.verdict, verdict);
    if (verdict === "fail") assert.match(f.fix ?? "", /apt-get install iproute2/);
  });
}

Deno.test("ip: a missing ip fails with the install command", () => {
  const f = checkIp(doctorFacts({ ipVersion: missing("'ip' was not found in PATH") }));
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /not found in PATH/);
  assert.match(f.fix ?? "", /apt-get install iproute2/);
});

Deno.test("unshare: util-linux 2.32 or later is ok; older has no --kill-child and fails", () => {
  assert.deepEqual(parseUnshareVersion("unshare from util-linux 2.38.1\n"), [2, 38, 1]);
  assert.equal(checkUnshare(doctorFacts({ unshareVersion: text("unshare from util-linux 2.32\n") })).verdict, "ok");
  const old = checkUnshare(doctorFacts({ unshareVersion: text("unshare from util-linux 2.31.1\n") }));
  assert.equal(old.verdict, "fail");
  assert.match(old.summary, /2\.31\.1 is older than 2\.32: unshare has no --kill-child/);
  const none = checkUnshare(doctorFacts({ unshareVersion: missing("'unshare' was not found in PATH") }));
  assert.equal(none.verdict, "fail");
  assert.match(none.fix ?? "", /apt-get install util-linux/);
  const busybox = checkUnshare(doctorFacts({ unshareVersion: text("BusyBox v1.36.1\n") }));
  assert.equal(busybox.verdict, "fail");
});
