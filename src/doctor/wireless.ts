/**
 * The wireless check: a Wi-Fi station cannot be enslaved to a bridge (the
 * kernel answers `Operation not supported`: 802.11 frames carry only the
 * station's own MAC), so full-migrate refuses a wireless uplink. A link is
 * wireless when its sysfs `uevent` says `DEVTYPE=wlan` (set by cfg80211,
 * Documentation/ABI/testing/sysfs-class-net), read by `isWireless` in
 * src/host/sysfs.ts.
 *
 * Test hook: the kernel cannot make a wireless netdev without mac80211_hwsim,
 * so tests bind-mount a file holding `DEVTYPE=wlan` over
 * `/sys/class/net/eth0/uevent` inside a lab, whose sysfs mount is its own
 * (see tests/e2e/doctor_test.ts). nsrecipe itself has no switch for it.
 *
 * @module
 */
import { type CheckContext, type DoctorFacts, type Finding, finding } from "./types.ts";
import { uplinkOf } from "./uplink.ts";

/**
 * Checks whether the uplink is wireless.
 *
 * Verdicts: wireless → fail for `nsrecipe doctor` and full-migrate (which
 * refuses it), with veth-bridge and NAT as the way out; otherwise ok.
 *
 * @param facts Doctor facts.
 * @param ctx The check context.
 * @returns The `wireless` finding.
 */
export function checkWireless(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "wireless";
  const up = uplinkOf(facts);
  if (up === "unknown") return finding(id, "warn", "Not checked: the links could not be read");
  if (!up || !up.link) return finding(id, "ok", "No uplink to check");
  if (!facts.host.ok || !facts.host.value.wireless.includes(up.dev)) {
    return finding(id, "ok", `The uplink '${up.dev}' is not wireless`);
  }
  const refuses = ctx.movesUplink !== false;
  return finding(
    id,
    refuses ? "fail" : "ok",
    `The uplink '${up.dev}' is wireless (DEVTYPE=wlan): a Wi-Fi station cannot join a bridge, ` +
      "so full-migrate refuses it",
    refuses
      ? "Use 'nsrecipe run veth-bridge --nat' instead: the namespace reaches the LAN through NAT on the uplink."
      : undefined,
  );
}
