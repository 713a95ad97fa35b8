/**
 * `bridge`-family nftables base chains that would drop the host's own LAN
 * traffic once the uplink is a bridge port: a query over the ruleset
 * (`HostFacts.nftables`), asked by doctor's uplink-refs check and by
 * full-migrate's planner alike. Pure.
 *
 * While the uplink is a plain link its frames pass no `bridge`-family hook,
 * so an ebtables-style chain (`ebtables -P INPUT DROP`, or an nft `table
 * bridge` written for another bridge) sees none of them. Once it is a port,
 * every frame of the host's LAN traffic passes the bridge family's
 * `prerouting` and `input` hooks on its way in and `output` and
 * `postrouting` on its way out (nft(8) "ADDRESS FAMILIES", bridge family;
 * net/bridge/br_input.c, br_forward.c), and a drop there cuts the host off
 * its LAN. The `forward` hook sees only frames between ports, which the
 * forward check judges.
 *
 * A chain drops the host's traffic when its policy is drop, or when one of
 * its own rules ends in `drop` or `reject` and is not scoped to another
 * bridge or port: a rule matching `meta ibrname`/`obrname`/`iifname`/
 * `oifname` `==` a literal that names neither the uplink nor the bridge to be
 * is left out (nft's trailing `*` wildcard is honoured). Rules of chains
 * reached by `jump`/`goto` are not followed.
 *
 * @module
 */

/** The `bridge`-family hooks the host's own frames pass once the uplink is a port. */
const HOST_HOOKS = new Set(["prerouting", "input", "output", "postrouting"]);

/** The interface keys that scope a bridge-family rule to a bridge or a port (nft(8) META EXPRESSIONS). */
const SCOPE_KEYS = new Set(["ibrname", "obrname", "iifname", "oifname"]);

/** A JSON object of the ruleset (libnftables-json(5)). */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether an nft name pattern (`br0`, or `br*`) matches a link name. */
function matches(pattern: string, dev: string): boolean {
  return pattern === dev || (pattern.endsWith("*") && dev.startsWith(pattern.slice(0, -1)));
}

/** The verdict a rule ends in, `drop` or `reject`, or `undefined`. */
function dropVerdict(expr: unknown[]): "drop" | "reject" | undefined {
  const last = expr[expr.length - 1];
  if (!isObj(last)) return undefined;
  return "drop" in last ? "drop" : "reject" in last ? "reject" : undefined;
}

/** Whether a rule is scoped by an `==` interface match to a link that is neither of `links`. */
function scopedElsewhere(expr: unknown[], links: readonly string[]): boolean {
  return expr.some((e) => {
    const m = isObj(e) && isObj(e.match) ? e.match : undefined;
    const key = m && isObj(m.left) && isObj(m.left.meta) ? m.left.meta.key : undefined;
    if (!m || typeof key !== "string" || !SCOPE_KEYS.has(key) || (m.op ?? "==") !== "==") return false;
    return typeof m.right === "string" && !links.some((l) => matches(m.right as string, l));
  });
}

/**
 * The `bridge`-family base chains on a host-traffic hook that would drop the
 * host's LAN traffic once the uplink is a port of the bridge (see the module
 * doc for what counts).
 * @param ruleset `nft -j list ruleset` entries (`HostFacts.nftables`).
 * @param uplink The uplink, e.g. `eth0`.
 * @param bridge The bridge that takes it over, e.g. `br0`.
 * @returns One line per chain, e.g. `nft chain bridge guard in (hook input): policy drop`
 *   or `nft chain bridge f pre (hook prerouting): drop rule(s) handle 3, 5`.
 */
export function bridgeChainsDroppingHost(
  ruleset: readonly Record<string, unknown>[],
  uplink: string,
  bridge: string,
): string[] {
  const rules = ruleset.flatMap((i) => (isObj(i.rule) && i.rule.family === "bridge" ? [i.rule] : []));
  const out: string[] = [];
  for (const item of ruleset) {
    const c = isObj(item.chain) ? item.chain : undefined;
    if (!c || c.family !== "bridge" || typeof c.hook !== "string" || !HOST_HOOKS.has(c.hook)) continue;
    const own = rules.filter((r) => r.table === c.table && r.chain === c.name);
    const dropping = own.filter((r) => {
      const expr = Array.isArray(r.expr) ? r.expr : [];
      return dropVerdict(expr) !== undefined && !scopedElsewhere(expr, [uplink, bridge]);
    });
    const how = [
      ...(c.policy === "drop" ? ["policy drop"] : []),
      ...(dropping.length > 0
        ? [`drop rule(s) ${dropping.map((r) => r.handle === undefined ? "?" : `handle ${r.handle}`).join(", ")}`]
        : []),
    ];
    if (how.length > 0) out.push(`nft chain bridge ${c.table} ${c.name} (hook ${c.hook}): ${how.join(", ")}`);
  }
  return out;
}

/**
 * The sentence that says what such chains do once the uplink is a port of
 * the bridge: the one wording doctor and full-migrate's plan share.
 * @param uplink The uplink, e.g. `eth0`.
 * @param bridge The bridge, e.g. `'br0'` (or `a bridge`).
 * @param chains The chains, as {@link bridgeChainsDroppingHost} gives them.
 * @returns The sentence, or `undefined` when there are none.
 */
export function bridgeDropSentence(uplink: string, bridge: string, chains: readonly string[]): string | undefined {
  if (chains.length === 0) return undefined;
  return `Bridge-family firewall chains see none of the host's traffic now and drop it once '${uplink}' is a ` +
    `port of ${bridge} (every frame of the host's LAN traffic then passes them), cutting the host off its LAN: ` +
    chains.join("; ");
}
