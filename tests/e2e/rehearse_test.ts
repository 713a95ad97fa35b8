import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";

Deno.test("rehearse full-migrate on a lab copy of the host passes, measures the outage and leaves the host untouched", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "route", "add", "203.0.113.0/24", "via", "198.51.100.254", "dev", "eth0"]);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe([
      "--json",
      "rehearse",
      "full-migrate",
      "--name",
      "r",
      "--address",
      "198.51.100.50/24",
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The run existed only in the rehearsal's lab, which undid it: no advice to undo it.
    assert.match(r.stderr, /Applied run \S+ \(r\)\./);
    assert.doesNotMatch(r.stderr, /Undo with/);
    // N17: the run's note for the real host ("'nsrecipe rehearse full-migrate' measures it") is not repeated inside.
    assert.doesNotMatch(r.stderr, /measures it|Note:/);
    // P8: the rehearsal's own outage ping (a raw socket in its lab, which a kernel without raw_diag cannot place)
    // is not reported as a socket of the host to check by hand.
    assert.doesNotMatch(r.stderr, /raw sockets|Warning:/);
    const verdict = JSON.parse(r.stdout) as {
      pass: boolean;
      checks: { name: string; ok: boolean }[];
      outage: { sent: number; received: number; longestGapMs: number };
      undoOutage: { sent: number; received: number; longestGapMs: number };
    };
    assert.equal(verdict.pass, true);
    assert.deepEqual(verdict.checks.map((c) => [c.name, c.ok]), [
      ["lab host reaches the gateway before the run", true],
      // The lab host has an IPv6 default route (the default lab's): it is checked through its device too.
      ["lab host reaches its IPv6 gateway before the run", true],
      // X11: the other direction, from another LAN host to the lab host's address.
      ["the LAN reaches the lab host before the run", true],
      ["the recipe applies", true],
      ["lab host still reaches the gateway", true],
      ["the LAN still reaches the lab host", true],
      ["lab host still reaches its IPv6 gateway through its default route", true],
      ["the namespace reaches its gateway", true],
      ["undo succeeds", true],
      ["the host is exactly as before", true],
      ["lab host reaches the gateway after undo", true],
      ["lab host reaches its IPv6 gateway after undo", true],
    ]);
    // The ping ran through the whole run: it was answered at least once (the gateway answered just before), and
    // never more often than it asked. How long the longest gap is depends on the machine's load, so its arithmetic
    // is proven on fixed ping output (tests/unit/rehearse_test.ts), and the bench reports its value.
    // The same for the undo (the switch back), measured on its own (N17).
    for (const [when, o] of [["run", verdict.outage], ["undo", verdict.undoOutage]] as const) {
      assert.ok(o, `an outage measured during the ${when}`);
      const { sent, received, longestGapMs } = o;
      assert.ok([sent, received, longestGapMs].every(Number.isSafeInteger), JSON.stringify(o));
      assert.ok(received >= 1, `the gateway answered during the ${when}: ${received} of ${sent}`);
      assert.ok(received <= sent, `no more replies than requests: ${received} of ${sent}`);
    }
    assert.deepEqual(await lab.snapshot(), before, "rehearse never changes the host it copies");
    const text = await lab.nsrecipe(["rehearse", "full-migrate", "--name", "r", "--address", "198.51.100.50/24"]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Outage while applying: longest gap \d+ ms \(\d+\/\d+ pings answered\)$/m);
    assert.match(text.stdout, /^Outage while undoing: longest gap \d+ ms \(\d+\/\d+ pings answered\)$/m);
    assert.doesNotMatch(text.stderr, /measures it|raw sockets|Warning:/);
  });
});

Deno.test("rehearse gives a failing verdict for an uplink whose addresses cannot be moved (DHCP-managed)", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "addr", "add", "198.51.100.77/24", "dev", "eth0", "valid_lft", "600", "preferred_lft", "600"]);
    const r = await lab.nsrecipe(["rehearse", "full-migrate", "--name", "r", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, EXIT.precondition, r.stderr);
    assert.match(r.stdout, /FAIL {2}the recipe plans on this host: .*DHCP-managed/);
    assert.match(r.stdout, /Rehearsal FAILED/);
  });
});
