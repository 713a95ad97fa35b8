/**
 * The `uplink-refs` check: host configuration that names the uplink and
 * that full-migrate does not rewrite (firewall rules matching it by name),
 * and the policy rules it moves. See `src/host/nft_link_refs.ts` for why such
 * rules stop matching once the uplink is a bridge port.
 *
 * @module
 */
import {
  bridgeChainsDroppingHost,
  bridgeDropSentence,
  groupsJoinedBySockets,
  iptablesRulesNamingLink,
  nftRulesNamingLink,
  refsNamingNewBridge,
  socketsBoundTo,
  uplinkRefSentences,
} from "../host/mod.ts";
import type { CheckContext, DoctorFacts, Finding } from "./types.ts";
import { finding } from "./types.ts";
import { resolveUplink } from "./uplink.ts";
import { DEFAULT_BRIDGE } from "../names.ts";

/**
 * Checks what names the uplink elsewhere on the host.
 *
 * Verdicts: nftables rules of the `ip`, `ip6`, `inet` or `arp` families
 * matching the uplink by name, or sockets bound to it by name
 * (`SO_BINDTODEVICE`, see `src/host/bound_sockets.ts`) → warn (full-migrate
 * refuses them unless `--force`), each named; raw sockets whose link the
 * kernel cannot report (no raw_diag) → warn, naming them (full-migrate
 * notes them); the ruleset or the sockets unreadable → warn; otherwise ok, naming the policy rules (`iif`/`oif` the
 * uplink) full-migrate moves.
 *
 * Also, since full-migrate makes every host packet on the LAN enter and leave
 * on the bridge: nftables rules (the families above) and policy rules
 * (`iif`/`oif`) naming the bridge-to-be (`--bridge`, default `br0`) while no
 * link has that name → warn, each named (they start matching all of it;
 * full-migrate refuses them unless `--force`); an existing bridge's rules are
 * in force already and not judged. Multicast groups joined on the uplink
 * beyond the kernel's own (`src/host/multicast.ts`) → warn, naming them
 * (their sockets stop receiving; full-migrate refuses unless `--force`).
 * `bridge`-family chains on a hook the host's own frames pass once the
 * uplink is a port (`src/host/nft_bridge_drops.ts`) that drop them → warn,
 * each named (full-migrate refuses unless `--force`).
 * iptables rules (`iptables -S`, `ip6tables -S`: legacy x_tables, which
 * nft does not show) naming the uplink or the bridge-to-be are reported with
 * the nftables ones; since full-migrate's plan reads no iptables, this check
 * fails for it (a run that moves the uplink, without `--force`) when there are any.
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
  // An uplink that is a bridge already (as after full-migrate) becomes no bridge's port: nothing naming it stops
  // matching or receiving (doctor's uplink check says full-migrate is not needed).
  if (up.link.linkinfo?.info_kind === "bridge") {
    return finding(
      id,
      "ok",
      `Uplink '${up.dev}' is a bridge already: full-migrate does not make it a port, so no rule, socket or group ` +
        "naming it stops matching",
    );
  }
  if (host.nftables === undefined) {
    return finding(
      id,
      "warn",
      `The nftables ruleset could not be read, so rules naming '${up.dev}' were not checked`,
      "Run as root with nft installed ('apt install nftables').",
    );
  }
  const ruleset = host.nftables;
  const ipt = (dev: string) => iptablesNaming(facts, ruleset, dev);
  const iptUplink = ipt(up.dev);
  // nsrecipe's own --nat tables (of runs the journal holds) are said apart: undo and run again, not edit.
  const own = ctx.ownNatTables ?? new Map<string, string>();
  const ownTableOf = (ref: string) => [...own.keys()].find((t) => ref.startsWith(`nft rule inet ${t} `));
  const allNft = nftRulesNamingLink(host.nftables, up.dev);
  const ownRuns = [...new Set(allNft.flatMap((r) => ownTableOf(r) ?? []).map((t) => own.get(t)!))];
  const nft = [...allNft.filter((r) => ownTableOf(r) === undefined), ...iptUplink];
  const moved = [...host.rules4, ...host.rules6].filter((r) => r.iif === up.dev || r.oif === up.dev).length;
  const movedNote = moved ? `; full-migrate moves the ${moved} policy rule(s) naming it to the bridge` : "";
  const bound = host.boundSockets === undefined ? undefined : socketsBoundTo(host.boundSockets, up.dev);
  const problems: string[] = [];
  const hints: string[] = [];
  if (nft.length > 0) {
    problems.push(...uplinkRefSentences(up.dev, "a bridge", nft));
    hints.push(`make them match the bridge as well, e.g. 'iifname { "${up.dev}", "${bridge}" }'`);
  }
  if (ownRuns.length > 0) {
    const runs = ownRuns.map((n) => `'${n}'`).join(", ");
    problems.push(
      `The --nat masquerading of nsrecipe run${ownRuns.length > 1 ? "s" : ""} ${runs} goes out of '${up.dev}' and ` +
        "stops once it is a port of a bridge",
    );
    hints.push(
      `undo ${ownRuns.length > 1 ? "those runs" : "that run"} first (${
        ownRuns.map((n) => `nsrecipe undo ${n}`).join("; ")
      }) and run ${ownRuns.length > 1 ? "them" : "it"} again after full-migrate`,
    );
  }
  if (bound && bound.length > 0) {
    problems.push(
      `Services are bound to '${up.dev}' by name (SO_BINDTODEVICE) and stop receiving once it is a port of a ` +
        `bridge: ${bound.join("; ")}`,
    );
    hints.push(`bind them to '${bridge}' once it exists, or stop them first`);
  }
  const dropsHost = bridgeDropSentence(up.dev, "a bridge", bridgeChainsDroppingHost(ruleset, up.dev, bridge));
  if (dropsHost) {
    problems.push(dropsHost);
    hints.push(`let the host's traffic through those chains first (e.g. 'iifname "${up.dev}" accept')`);
  }
  const bridgeExists = host.links.some((l) => l.ifname === bridge);
  const iptBridge = bridgeExists ? [] : ipt(bridge);
  const toBridge = [...refsNamingNewBridge(host, bridge), ...iptBridge];
  if (toBridge.length > 0) {
    problems.push(
      `Rules name '${bridge}', the bridge full-migrate would create, and start matching all the host's LAN ` +
        `traffic once it carries it: ${toBridge.join("; ")}`,
    );
    hints.push(`remove them or pick another name with --bridge`);
  }
  const groups = host.multicastGroups === undefined ? [] : groupsJoinedBySockets(host.multicastGroups, up.dev);
  if (groups.length > 0) {
    problems.push(
      `Multicast groups are joined on '${up.dev}' and their sockets stop receiving once it is a port of a ` +
        `bridge (which socket joined is not shown by the kernel; 'ss -lnup' lists the UDP listeners): ${
          groups.join(", ")
        }`,
    );
    hints.push(`make their services join on '${bridge}' once it exists (or restart them then)`);
  }
  const legacy = facts.netfilter.legacyTables ?? [];
  if (legacy.length > 0) {
    problems.push(
      `iptables-legacy tables are present (${
        legacy.map((t) => `'${t} -S' says so`).join(", ")
      }), which nsrecipe does not read: rules there naming '${up.dev}' or '${bridge}' were not checked`,
    );
    hints.push(
      `list them with ${
        legacy.map((t) => `'${t}-legacy -S'`).join(" and ")
      } and make any rule naming '${up.dev}' match '${bridge}' as well (nsrecipe cannot see them, so only --force ` +
        "takes full-migrate past them)",
    );
  }
  const unseen = host.rawSocketsUnseen.length === 0 ? "" : `Not checked whether raw sockets are bound to ` +
    `'${up.dev}': this kernel lacks raw_diag, so 'ss' cannot show their link: ${host.rawSocketsUnseen.join("; ")}`;
  const unseenHint = `by hand that none of those raw sockets is bound to '${up.dev}' (keepalived, 'ping -I')`;
  if (problems.length > 0) {
    // full-migrate's plan sees nftables and policy rules itself; iptables rules only here, so the check refuses them.
    const refuse = ctx.movesUplink === true && ctx.force !== true &&
      iptUplink.length + iptBridge.length + legacy.length > 0;
    return finding(
      id,
      refuse ? "fail" : "warn",
      `${[...problems, ...(unseen ? [unseen] : [])].join(". ")}${movedNote}`,
      `${capitalised(hints.join("; "))}; full-migrate refuses until then, or goes ahead with --force${
        unseen ? `. Also check ${unseenHint}` : ""
      }.`,
    );
  }
  if (unseen) {
    return finding(id, "warn", `${unseen}${movedNote}`, `Check ${unseenHint}.`);
  }
  if (bound === undefined) {
    return finding(
      id,
      "warn",
      `The sockets could not be listed ('ss' missing), so services bound to '${up.dev}' were not checked`,
      "Install iproute2's 'ss' ('apt install iproute2').",
    );
  }
  return finding(
    id,
    "ok",
    `No firewall rule matches on '${up.dev}' by name and no socket is bound to it; no rule names '${bridge}'` +
      `${
        host.multicastGroups === undefined
          ? ""
          : `; no multicast group beyond the kernel's own is joined on '${up.dev}'`
      }` +
      movedNote,
  );
}

/**
 * The iptables rules (IPv4 and IPv6) naming a link, from the gathered
 * `iptables -S` / `ip6tables -S` (unread sources give none).
 * @param facts Doctor facts (`netfilter`).
 * @param nftables The nftables ruleset: chains iptables-nft keeps there are reported from it instead.
 * @param dev The link.
 * @returns One line per rule.
 */
function iptablesNaming(
  facts: DoctorFacts,
  nftables: readonly Record<string, unknown>[],
  dev: string,
): string[] {
  const { iptables, ip6tables } = facts.netfilter;
  return [
    ...(iptables.ok ? iptablesRulesNamingLink(iptables.value, "iptables", dev, nftables) : []),
    ...(ip6tables.ok ? iptablesRulesNamingLink(ip6tables.value, "ip6tables", dev, nftables) : []),
  ];
}

/** A sentence's first letter in capitals: a fix starts as every message does (and so reads as prose, cli/wrap.ts). */
function capitalised(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
