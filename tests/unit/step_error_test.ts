import assert from "node:assert/strict";
import { StepError } from "../../src/errors.ts";

Deno.test("a failed step's message ends iproute2's sentence with one full stop, whether or not iproute2 gave it one", () => {
  const ending = ". Every step done before it was rolled back";
  for (
    const [reason, said] of [
      [
        "'ip addr add 2001:db8:5::1/64 nodad dev br0' said: Error: ipv6: IPv6 is disabled on this device.",
        "'ip addr add 2001:db8:5::1/64 nodad dev br0' said: Error: ipv6: IPv6 is disabled on this device",
      ],
      [
        "'ip link set dev veth-web master br0' said: Error: Device does not allow enslaving to a bridge",
        "'ip link set dev veth-web master br0' said: Error: Device does not allow enslaving to a bridge",
      ],
      [
        "'ip netns add web' said: Cannot create namespace file \"/run/netns/web\": File exists.",
        "'ip netns add web' said: Cannot create namespace file \"/run/netns/web\": File exists",
      ],
    ] as const
  ) {
    const e = new StepError(5, "add address 2001:db8:5::1/64 to 'br0'", reason, "See ip(8).");
    assert.equal(e.message, `Step 6 (add address 2001:db8:5::1/64 to 'br0') failed: ${said}${ending}`);
  }
});
