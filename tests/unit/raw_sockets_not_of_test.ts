/**
 * P8: `rehearse` leaves its own outage ping out of the raw sockets its lab's
 * run could not check (a kernel without raw_diag), and only those.
 */
import assert from "node:assert/strict";
import { rawSocketsNotOf, rawSocketsWithoutLink } from "../../src/host/bound_sockets.ts";

/** `ss -H -a -n -p -w` on a kernel without raw_diag: the rehearsal's ping (58), keepalived (812), one unnamed. */
const SS = [
  'raw   UNCONN 0 0 0.0.0.0:1 0.0.0.0:* users:(("ping",pid=58,fd=3))',
  'raw   UNCONN 0 0 *:58 *:* users:(("ping",pid=58,fd=4))',
  'raw   UNCONN 0 0 0.0.0.0:112 0.0.0.0:* users:(("keepalived",pid=812,fd=9))',
  "raw   UNCONN 0 0 0.0.0.0:255 0.0.0.0:*",
].join("\n");

Deno.test("P8: the probe's own raw sockets are left out, another process's and one of unknown holder kept", () => {
  const phrases = rawSocketsWithoutLink(SS);
  assert.deepEqual(phrases, [
    "raw 0.0.0.0:1 (ping (pid 58))",
    "raw *:58 (ping (pid 58))",
    "raw 0.0.0.0:112 (keepalived (pid 812))",
    "raw 0.0.0.0:255",
  ]);
  assert.deepEqual(rawSocketsNotOf(phrases, [58]), ["raw 0.0.0.0:112 (keepalived (pid 812))", "raw 0.0.0.0:255"]);
});

Deno.test("P8: a raw socket shared by the probe and another process is kept; no probes keeps every socket", () => {
  const shared = ["raw 0.0.0.0:1 (ping (pid 58), keepalived (pid 812))"];
  assert.deepEqual(rawSocketsNotOf(shared, [58]), shared);
  assert.deepEqual(rawSocketsNotOf(["raw *:58 (ping (pid 58))"], []), ["raw *:58 (ping (pid 58))"]);
  // pid 5 is not pid 58: the whole number is compared.
  assert.deepEqual(rawSocketsNotOf(["raw *:58 (ping (pid 58))"], [5]), ["raw *:58 (ping (pid 58))"]);
});
