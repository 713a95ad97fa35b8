/**
 * The `uplink-refs` check: host configuration that names the uplink and
 * that full-migrate does not rewrite (firewall rules matching it by name),
 * and the policy rules it moves. See `src/host/nft_link_refs.ts` for why such
 * rules stop matching once the uplink is a bridge port.
 *
 * @module
 */
import { nftRulesNamingLink } from "../host/mod.ts";
import type { CheckContext, DoctorFacts, Finding } from "./types.ts";
import { finding } from "./types.ts";
import { resolveUplink } from "./uplink.ts";
import { DEFAULT_BRIDGE } from "../names.ts";

/**
 * Checks what names the uplink elsewhere on the host.
 *
 * Verdicts: nftables rules of the `ip`, `ip6`, `inet` or `arp` families
 * matching the uplink by name → warn (full-migrate refuses them unless
 * `--force`), each rule named; the ruleset unreadable → warn; otherwise ok,
 * naming the policy rules (`iif`/`oif` the uplink) full-migrate moves.
 *
 * @param facts Doctor facts.
 * @param ctx The check context (`--bridge` names the bridge in the advice).
 * @returns The `uplink-refs` finding.
 */
export function checkUplinkRefs(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "uplink-refs";
  if (!facts.host.ok) return finding(id, "warn", `Not checked: ${facts.host.reason}`);
  const host = facts.host.value;
  const up = resolveUplink(host, facts.uplinkRequested);
  if (!up?.link) return finding(id, "ok", "No uplink, so nothing names it");
  const bridge = ctx.bridge ?? DEFAULT_BRIDGE;
  if (host.nftables === undefined) {
    return finding(
      id,
      "warn",
      `The nftables ruleset could not be read, so rules naming '${up.dev}' were not checked`,
      "Run as root with nft installed ('apt install nftables').",
    );
  }
  const nft = nftRulesNamingLink(host.nftables, up.dev);
  const moved = [...host.rules4, ...host.rules6].filter((r) => r.iif === up.dev || r.oif === up.dev).length;
  const movedNote = moved ? `; full-migrate moves the ${moved} policy rule(s) naming it to the bridge` : "";
  if (nft.length > 0) {
    return finding(
      id,
      "warn",
      `Firewall rules match on '${up.dev}' and stop matching once it is a port of a bridge: ${
        nft.join("; ")
      }${movedNote}`,
      `Make them match the bridge as well, e.g. iifname { "${up.dev}", "${bridge}" }; full-migrate refuses ` +
        "until then, or goes ahead with --force.",
    );
  }
  return finding(id, "ok", `No firewall rule matches on '${up.dev}' by name${movedNote}`);
}
