/**
 * The forward check: does netfilter drop the traffic a namespace on a bridge
 * sends? Read-only; it never changes a rule or a policy, it shows the narrow
 * rule that would let the bridge's traffic through.
 *
 * What drops it:
 * - a base chain on the `forward` hook (nft(8); iptables' `FORWARD`) with
 *   policy drop, or ending in an unconditional drop/reject rule (firewalld
 *   does that);
 * - in the `bridge` family such a chain sees bridged frames always; in the
 *   `ip`, `ip6` and `inet` families it sees routed traffic (what NAT needs),
 *   and bridged traffic too when bridge netfilter is on
 *   (`net.bridge.bridge-nf-call-iptables` / `-ip6tables` = 1, br_netfilter,
 *   Documentation/networking/bridge.rst), as Docker sets it. The in/out
 *   devices of bridged packets there are the bridge itself.
 *
 * Sources: `nft -j list ruleset` (libnftables-json(5)) and `iptables -S` /
 * `ip6tables -S` (iptables(8)); whichever is installed. An `ip filter FORWARD`
 * chain seen by both (iptables-nft) is judged from iptables alone.
 *
 * @module
 */
import { type CheckContext, type DoctorFacts, type Finding, finding, type NetfilterFacts } from "./types.ts";
import { DEFAULT_BRIDGE } from "../names.ts";
import { parseToolJson } from "../host/mod.ts";

/** Traffic a forward chain sees. */
export type ForwardScope = "bridge" | "ipv4" | "ipv6" | "both";

/** A forward chain that drops what it does not accept. */
export interface ForwardDrop {
  /** Where, e.g. `nft chain inet filter forward` or `iptables FORWARD`. */
  where: string;
  /** How, e.g. `policy drop` or `a final 'reject' rule`. */
  how: string;
  /** Which traffic its hook sees. */
  scope: ForwardScope;
  /** It sees bridged traffic (bridge family, or bridge netfilter on for its family). */
  bridged: boolean;
  /** An accept rule for the bridge already comes before the drop. */
  allowed: boolean;
  /** The narrow command that lets traffic bridged on the bridge through. */
  allowBridged: string;
  /** The narrow commands that let traffic routed from the bridge (NAT) through. */
  allowRouted: string[];
}

/** What the netfilter sources say. */
export interface ForwardReport {
  /** Chains that drop. */
  drops: ForwardDrop[];
  /** Sources read, e.g. `nft`, `iptables`. */
  checked: string[];
  /** Sources not read, with the reason, e.g. `iptables: 'iptables' was not found in PATH`. */
  unchecked: string[];
  /** Bridge netfilter per family. */
  bridgeNf: { ipv4: boolean; ipv6: boolean };
}

interface NftChain {
  family: string;
  table: string;
  name: string;
  hook?: string;
  policy?: string;
}

interface NftRule {
  family: string;
  table: string;
  chain: string;
  expr?: Record<string, unknown>[];
}

function isOn(s: NetfilterFacts["bridgeNfIptables"]): boolean {
  return s.ok && s.value.trim() === "1";
}

/** A terminal drop/reject rule with no match: `[counter] [log] drop|reject`. */
function nftUnconditionalDrop(rule: NftRule): string | undefined {
  const expr = rule.expr ?? [];
  const last = expr[expr.length - 1];
  if (!last || !("drop" in last || "reject" in last)) return undefined;
  const rest = expr.slice(0, -1).every((e) => "counter" in e || "log" in e);
  return rest ? ("drop" in last ? "drop" : "reject") : undefined;
}

/** An accept rule that only matches the bridge: `iifname/oifname/ibrname/obrname == BR … accept`. */
function nftAllowsBridge(rule: NftRule, bridge: string): boolean {
  const expr = rule.expr ?? [];
  const last = expr[expr.length - 1];
  if (!last || !("accept" in last)) return false;
  let matches = 0;
  for (const e of expr.slice(0, -1)) {
    if ("counter" in e) continue;
    const m = e.match as { op?: string; left?: { meta?: { key?: string } }; right?: unknown } | undefined;
    const key = m?.left?.meta?.key;
    if (!m || m.op !== "==" || !["iifname", "oifname", "ibrname", "obrname"].includes(key ?? "")) return false;
    if (m.right !== bridge) return false;
    matches++;
  }
  return matches > 0;
}

function nftScope(family: string): ForwardScope | undefined {
  return family === "bridge"
    ? "bridge"
    : family === "ip"
    ? "ipv4"
    : family === "ip6"
    ? "ipv6"
    : family === "inet"
    ? "both"
    : undefined;
}

function sees(scope: ForwardScope, nf: ForwardReport["bridgeNf"]): boolean {
  return scope === "bridge" || (scope === "ipv4" && nf.ipv4) || (scope === "ipv6" && nf.ipv6) ||
    (scope === "both" && (nf.ipv4 || nf.ipv6));
}

/**
 * Finds the dropping forward chains in `nft -j list ruleset` output.
 * @param json The output.
 * @param bridge The bridge the suggested rules name.
 * @param bridgeNf Bridge netfilter per family.
 * @param skip Chains to leave out, as `family table chain` (seen through iptables).
 * @returns The dropping chains.
 * @throws {SyntaxError} When the output is not JSON.
 */
export function nftForwardDrops(
  json: string,
  bridge: string,
  bridgeNf: ForwardReport["bridgeNf"],
  skip: ReadonlySet<string> = new Set(),
): ForwardDrop[] {
  const items = (parseToolJson(json) as { nftables?: Record<string, unknown>[] }).nftables ?? [];
  const chains = items.flatMap((i) => (i.chain ? [i.chain as NftChain] : []));
  const rules = items.flatMap((i) => (i.rule ? [i.rule as NftRule] : []));
  const drops: ForwardDrop[] = [];
  for (const c of chains) {
    const scope = nftScope(c.family);
    if (c.hook !== "forward" || !scope || skip.has(`${c.family} ${c.table} ${c.name}`)) continue;
    const own = rules.filter((r) => r.family === c.family && r.table === c.table && r.chain === c.name);
    const cut = own.findIndex((r) => nftUnconditionalDrop(r) !== undefined);
    let how: string | undefined;
    if (cut >= 0) how = `a final '${nftUnconditionalDrop(own[cut])}' rule`;
    if (c.policy === "drop") how = "policy drop";
    if (!how) continue;
    const before = c.policy === "drop" && cut < 0 ? own : own.slice(0, cut < 0 ? own.length : cut);
    const at = `nft insert rule ${c.family} ${c.table} ${c.name}`;
    drops.push({
      where: `nft chain ${c.family} ${c.table} ${c.name}`,
      how,
      scope,
      bridged: sees(scope, bridgeNf),
      allowed: before.some((r) => nftAllowsBridge(r, bridge)),
      allowBridged: scope === "bridge"
        ? `${at} meta ibrname "${bridge}" accept`
        : `${at} iifname "${bridge}" oifname "${bridge}" accept`,
      allowRouted: scope === "bridge"
        ? []
        : [`${at} oifname "${bridge}" ct state established,related accept`, `${at} iifname "${bridge}" accept`],
    });
  }
  return drops;
}

/** The `-A CHAIN …` rules of one chain in `iptables -S` output, as word lists after the chain name. */
function iptRules(text: string, chain: string): string[][] {
  return text.split("\n").map((l) => l.trim().split(/\s+/)).filter((w) => w[0] === "-A" && w[1] === chain)
    .map((w) => w.slice(2));
}

function iptUnconditionalDrop(words: string[]): string | undefined {
  if (words[0] !== "-j" || !["DROP", "REJECT"].includes(words[1])) return undefined;
  const rest = words.slice(2);
  return rest.length === 0 || (rest.length === 2 && rest[0] === "--reject-with") ? words[1] : undefined;
}

function iptAllowsBridge(words: string[], bridge: string): boolean {
  if (words.length < 2 || words.at(-2) !== "-j" || words.at(-1) !== "ACCEPT") return false;
  const m = words.slice(0, -2);
  let matches = 0;
  for (let i = 0; i < m.length; i++) {
    if ((m[i] === "-i" || m[i] === "-o") && m[i + 1] === bridge) {
      i++;
      matches++;
    } else if (m[i] === "-m" && m[i + 1] === "physdev") i++;
    else if (m[i] === "--physdev-is-bridged") matches++;
    else return false;
  }
  return matches > 0;
}

/**
 * Finds whether the `FORWARD` chain in `iptables -S` (or `ip6tables -S`)
 * output drops, and whether the bridge is already let through (in `FORWARD`,
 * or in `DOCKER-USER` when `FORWARD` jumps there first, as Docker sets up).
 * @param text The output.
 * @param tool `iptables` or `ip6tables`.
 * @param bridge The bridge the suggested rules name.
 * @param bridgeNf Bridge netfilter for this family.
 * @returns The dropping chain, or `undefined`.
 */
export function iptablesForwardDrop(
  text: string,
  tool: "iptables" | "ip6tables",
  bridge: string,
  bridgeNf: boolean,
): ForwardDrop | undefined {
  const forward = iptRules(text, "FORWARD");
  const cut = forward.findIndex((w) => iptUnconditionalDrop(w) !== undefined);
  const policyDrop = /^-P FORWARD DROP\s*$/m.test(text);
  if (!policyDrop && cut < 0) return undefined;
  const before = forward.slice(0, cut < 0 ? forward.length : cut);
  const docker = before.some((w) => w.join(" ") === "-j DOCKER-USER");
  const user = iptRules(text, "DOCKER-USER");
  const userCut = user.findIndex((w) => iptUnconditionalDrop(w) !== undefined || w.join(" ") === "-j RETURN");
  const allowed = before.some((w) => iptAllowsBridge(w, bridge)) ||
    (docker && user.slice(0, userCut < 0 ? user.length : userCut).some((w) => iptAllowsBridge(w, bridge)));
  const chain = docker ? "DOCKER-USER" : "FORWARD";
  return {
    where: `${tool} ${chain === "FORWARD" ? "FORWARD" : "FORWARD (via DOCKER-USER)"}`,
    how: policyDrop ? "policy DROP" : `a final '${iptUnconditionalDrop(forward[cut])}' rule`,
    scope: tool === "iptables" ? "ipv4" : "ipv6",
    bridged: bridgeNf,
    allowed,
    allowBridged: `${tool} -I ${chain} -i ${bridge} -o ${bridge} -j ACCEPT`,
    allowRouted: [
      `${tool} -I ${chain} -o ${bridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`,
      `${tool} -I ${chain} -i ${bridge} -j ACCEPT`,
    ],
  };
}

/**
 * Reads every netfilter source into one report.
 * @param nf Netfilter facts.
 * @param bridge The bridge the suggested rules name.
 * @returns The report.
 */
export function forwardReport(nf: NetfilterFacts, bridge: string): ForwardReport {
  const bridgeNf = { ipv4: isOn(nf.bridgeNfIptables), ipv6: isOn(nf.bridgeNfIp6tables) };
  const report: ForwardReport = { drops: [], checked: [], unchecked: [], bridgeNf };
  const skip = new Set<string>();
  for (
    const [tool, src, nfOn, family] of [
      ["iptables", nf.iptables, bridgeNf.ipv4, "ip"],
      ["ip6tables", nf.ip6tables, bridgeNf.ipv6, "ip6"],
    ] as const
  ) {
    if (!src.ok) {
      report.unchecked.push(`${tool}: ${src.reason}`);
      continue;
    }
    report.checked.push(tool);
    skip.add(`${family} filter FORWARD`);
    const drop = iptablesForwardDrop(src.value, tool, bridge, nfOn);
    if (drop) report.drops.push(drop);
  }
  if (!nf.nft.ok) {
    report.unchecked.unshift(`nft: ${nf.nft.reason}`);
  } else {
    try {
      report.drops.unshift(...nftForwardDrops(nf.nft.value, bridge, bridgeNf, skip));
      report.checked.unshift("nft");
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
      report.unchecked.unshift(`nft: its JSON output could not be parsed (${e.message})`);
    }
  }
  return report;
}

/**
 * Whether the bridge netfilter settings can change what the forward check
 * finds: only a dropping forward chain of the `ip`, `ip6` or `inet` family
 * (nftables) or iptables' `FORWARD` sees bridged traffic through them; a
 * `bridge` family chain sees it whatever they say, and with no dropping chain
 * there is nothing for them to decide (only the note of a fine verdict, which
 * `run` does not print, names them).
 * @param nf The netfilter sources as read (the settings themselves are not looked at).
 * @returns `true` when a chain that drops would see bridged traffic only with bridge netfilter on.
 */
export function bridgeNfDecides(nf: Pick<NetfilterFacts, "nft" | "iptables" | "ip6tables">): boolean {
  const off = { ok: false as const, reason: "not read" };
  const r = forwardReport({ ...nf, bridgeNfIptables: off, bridgeNfIp6tables: off }, DEFAULT_BRIDGE);
  return r.drops.some((d) => d.scope !== "bridge");
}

function bnfText(nf: ForwardReport["bridgeNf"]): string {
  if (nf.ipv4 && nf.ipv6) return "bridge netfilter on (net.bridge.bridge-nf-call-iptables and -ip6tables = 1)";
  if (nf.ipv4) return "bridge netfilter on for IPv4 (net.bridge.bridge-nf-call-iptables = 1)";
  if (nf.ipv6) return "bridge netfilter on for IPv6 (net.bridge.bridge-nf-call-ip6tables = 1)";
  return "bridge netfilter off";
}

/**
 * Checks whether netfilter drops the bridge's traffic.
 *
 * Verdicts: a forward chain drops bridged traffic and does not accept the
 * bridge's first → warn, with the narrow rule per chain; one drops only
 * routed traffic → warn (it matters for NAT), with the rules for that; no
 * source readable → warn (not checked); otherwise ok (noting bridge
 * netfilter when it is on).
 *
 * A drop that defeats the run about to start fails instead, unless `--force`
 * ({@link CheckContext.force}): routed traffic for a run that routes the
 * namespace out of the bridge ({@link CheckContext.routes}: veth-bridge
 * `--nat`; an accept in nsrecipe's own table does not help, since a packet
 * must pass every base chain on the hook, nft(8) "BASE CHAINS"), bridged
 * traffic for one that bridges the namespace onto the LAN
 * ({@link CheckContext.movesUplink}: full-migrate).
 *
 * @param facts Doctor facts.
 * @param ctx The check context (its bridge, default `br0`, is named in the rules).
 * @returns The `forward` finding.
 */
export function checkForward(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "forward";
  const bridge = ctx.bridge ?? DEFAULT_BRIDGE;
  const r = forwardReport(facts.netfilter, bridge);
  // A tool that is not installed has no rules to miss; one that failed (not root) does.
  const failed = r.unchecked.filter((u) => !/not found in PATH/.test(u));
  const also = failed.length > 0 && r.checked.length > 0
    ? ` (not checked: ${failed.map((u) => u.split(":")[0]).join(", ")})`
    : "";
  const open = r.drops.filter((d) => !d.allowed);
  const bridged = open.filter((d) => d.bridged);
  const list = (ds: ForwardDrop[]) => ds.map((d) => `${d.where} (${d.how})`).join(", ");
  const routed = open.filter((d) => d.scope !== "bridge");
  // A drop the run about to start depends on passing: it fails unless forced.
  const defeats = (what: string) =>
    ctx.force
      ? { verdict: "warn" as const, end: `; ${what} (--force given)`, fix: "" }
      : { verdict: "fail" as const, end: `; ${what}`, fix: "\nOr pass --force to go ahead anyway." };
  const judged = (breaks: boolean, what: string) =>
    breaks ? defeats(what) : { verdict: "warn" as const, end: "", fix: "" };
  if (bridged.length > 0 && !(ctx.routes && !ctx.movesUplink && routed.length > 0)) {
    const viaNf = bridged.some((d) => d.scope !== "bridge");
    const j = judged(ctx.movesUplink === true, "the namespace could not reach the LAN");
    return finding(
      id,
      j.verdict,
      `Bridged traffic on '${bridge}' is dropped by ${list(bridged)}${viaNf ? `, with ${bnfText(r.bridgeNf)}` : ""}` +
        also + j.end,
      "nsrecipe changes no firewall rule. To let only this bridge's traffic through:\n" +
        bridged.map((d) => d.allowBridged).join("\n") + j.fix,
    );
  }
  if (routed.length > 0) {
    const j = judged(ctx.routes === true, "the namespace could not reach beyond the bridge");
    return finding(
      id,
      j.verdict,
      `Traffic routed from '${bridge}' (veth-bridge --nat) is dropped by ${list(routed)}; bridged traffic ` +
        `is ${bridged.length > 0 ? "too" : "not"} (${bnfText(r.bridgeNf)})${also}${j.end}`,
      "nsrecipe changes no firewall rule. To let only this bridge's routed traffic through:\n" +
        routed.flatMap((d) => d.allowRouted).join("\n") + j.fix,
    );
  }
  if (r.checked.length === 0) {
    return finding(
      id,
      "warn",
      `Forward filtering not checked: ${r.unchecked.join("; ")}`,
      "Install nftables ('apt-get install nftables') and run doctor again as root; or check by hand: " +
        "'nft list ruleset; iptables -S FORWARD'",
    );
  }
  const allowed = r.drops.filter((d) => d.allowed);
  const note = allowed.length > 0
    ? `; '${bridge}' is let through ${list(allowed)}`
    : r.bridgeNf.ipv4 || r.bridgeNf.ipv6
    ? `; ${bnfText(r.bridgeNf)}, so a forward drop policy added later (Docker sets one) would drop it`
    : "";
  return finding(id, "ok", `No forward chain drops traffic of '${bridge}'${note}${also}`);
}
