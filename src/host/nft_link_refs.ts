/**
 * nftables rules that name a link and would stop matching once it is a
 * bridge port: a query over the ruleset (`HostFacts.nftables`), asked by
 * doctor's uplink-refs check and by full-migrate's planner alike. Pure.
 *
 * After `ip link set dev eth0 master br0`, the IP stack sees LAN traffic
 * enter and leave on the bridge (Documentation/networking/bridge.rst), so
 * netfilter rules of the `ip`, `ip6`, `inet` and `arp` families that match
 * `iifname "eth0"`, `oifname "eth0"`, `iif`, `oif` (nft(8) meta expressions;
 * also iptables-nft's `-i eth0`/`-o eth0`, which are the same expressions)
 * silently stop matching. Rules of the `bridge` and `netdev` families still
 * see the port and keep working. nsrecipe does not rewrite a firewall it did
 * not write: it reports such rules before any change, and `--force` goes
 * ahead anyway.
 *
 * A rule names the uplink whenever an interface key is compared with a value
 * that includes it, in any of the forms nft(8) has (libnftables-json(5)):
 * a literal (`iifname "eth0"`, or the wildcard `"eth*"`), an anonymous set
 * (`iifname { "eth0", "lo" }`), a named set (`iifname @trusted_ifs`), a
 * verdict map (`iifname vmap @vm`, `iifname vmap { "eth0" : accept }`), a
 * data map (`meta mark set iifname map @m`), each also with the interface
 * as one component of a concatenation (`iifname . ip saddr { "eth0" .
 * 10.0.0.1 }`). Named sets and maps are resolved from the elements the
 * ruleset declares for them in the rule's table; the comparison's operator
 * does not matter (`iifname != @lan drop` changes meaning just as much).
 *
 * @module
 */

/** The netfilter families whose interface matches see the bridge, not its port, once the uplink is enslaved. */
const IP_LAYER_FAMILIES = new Set(["ip", "ip6", "inet", "arp"]);

/** The nft meta keys that match an interface (libnftables-json(5)). */
const IFACE_KEYS = new Set(["iifname", "oifname", "iif", "oif"]);

/** A JSON object of the ruleset (libnftables-json(5) objects and expressions are all objects). */
type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether an nft interface name pattern (`eth0`, or `eth*` with nft's trailing wildcard) matches a link name. */
function namesLink(pattern: unknown, dev: string): boolean {
  if (typeof pattern !== "string") return false;
  return pattern === dev || (pattern.endsWith("*") && dev.startsWith(pattern.slice(0, -1)));
}

/** The interface key of an expression `{"meta": {"key": "iifname"}}`, or `undefined` when it is not one. */
function ifaceKey(e: unknown): string | undefined {
  const key = isObj(e) && isObj(e.meta) ? e.meta.key : undefined;
  return typeof key === "string" && IFACE_KEYS.has(key) ? key : undefined;
}

/** One interface key in a match's left side: its name and, in a concatenation, its component index. */
interface KeyAt {
  /** `iifname`, `oifname`, `iif` or `oif`. */
  key: string;
  /** Its index in a concatenation (`iifname . ip saddr` → 0), or `undefined` when the left side is the key alone. */
  at?: number;
}

/** The interface keys of a match's left side (a key, or a `concat` of expressions). */
function keysOf(left: unknown): KeyAt[] {
  const key = ifaceKey(left);
  if (key) return [{ key }];
  if (isObj(left) && Array.isArray(left.concat)) {
    return left.concat.flatMap((e, at) => {
      const k = ifaceKey(e);
      return k ? [{ key: k, at }] : [];
    });
  }
  return [];
}

/** How the left side of a match reads, e.g. `iifname . ip saddr` (for the report only). */
function leftText(left: unknown): string {
  const one = (e: unknown): string => {
    if (isObj(e) && isObj(e.meta) && typeof e.meta.key === "string") return e.meta.key;
    if (isObj(e) && isObj(e.payload)) return `${e.payload.protocol ?? ""} ${e.payload.field ?? ""}`.trim();
    return "…";
  };
  return isObj(left) && Array.isArray(left.concat) ? left.concat.map(one).join(" . ") : one(left);
}

/** The declared elements of every named set and map, by `family table name`. */
type Declared = Map<string, unknown[]>;

/** Collects the elements of the ruleset's named sets and maps (`{"set": {…, "elem": […]}}`, `{"map": …}`). */
function declaredElements(ruleset: readonly Record<string, unknown>[]): Declared {
  const out: Declared = new Map();
  for (const item of ruleset) {
    const s = isObj(item.set) ? item.set : isObj(item.map) ? item.map : undefined;
    if (!s) continue;
    out.set(`${s.family} ${s.table} ${s.name}`, Array.isArray(s.elem) ? s.elem : []);
  }
  return out;
}

/**
 * The keys a right-hand side compares with: a value, an anonymous set or map
 * (`{"set": [...]}`), a named one (`"@name"`, resolved in `declared`); a map's
 * entries (`[key, data]`) give their key, an element with attributes
 * (`{"elem": {"val": …, "timeout": …}}`) its value.
 */
function keysCompared(right: unknown, declared: Declared, where: string): unknown[] {
  let elems: unknown[];
  if (typeof right === "string" && right.startsWith("@")) elems = declared.get(`${where} ${right.slice(1)}`) ?? [];
  else if (isObj(right) && Array.isArray(right.set)) elems = right.set;
  else if (Array.isArray(right)) elems = right;
  else elems = [right];
  const unwrap = (e: unknown): unknown => (isObj(e) && isObj(e.elem) && "val" in e.elem ? e.elem.val : e);
  return elems.map((e) => {
    const v = unwrap(e);
    return Array.isArray(v) && v.length === 2 ? unwrap(v[0]) : v;
  });
}

/** The component of a compared key at the interface key's position (`{"concat": [...]}` for a concatenation). */
function component(value: unknown, at: number | undefined): unknown {
  if (at === undefined) return value;
  return isObj(value) && Array.isArray(value.concat) ? value.concat[at] : undefined;
}

/** A comparison inside a rule: what is compared, how, and with what (libnftables-json(5)). */
interface Comparison {
  left: unknown;
  op: string;
  right: unknown;
}

/**
 * Every comparison in a rule's expressions, however deeply nested: `match`
 * (`left op right`), `vmap` and `map` lookups (`key vmap|map data`, also
 * inside statements such as `mangle`).
 */
function comparisons(expr: unknown): Comparison[] {
  const out: Comparison[] = [];
  const walk = (e: unknown): void => {
    if (Array.isArray(e)) return e.forEach(walk);
    if (!isObj(e)) return;
    for (const [k, v] of Object.entries(e)) {
      if (k === "match" && isObj(v)) {
        out.push({ left: v.left, op: typeof v.op === "string" ? v.op : "==", right: v.right });
      } else if ((k === "vmap" || k === "map") && isObj(v) && "key" in v) {
        out.push({ left: v.key, op: k, right: v.data });
      }
      walk(v);
    }
  };
  walk(expr);
  return out;
}

/**
 * The nftables rules that match on the link by interface in a family that
 * stops seeing it once it is a bridge port, in every form listed in the
 * module doc.
 * @param ruleset `nft -j list ruleset` entries (`HostFacts.nftables`).
 * @param dev The uplink, e.g. `eth0`.
 * @returns One line per rule, each naming the matches and the values that
 *   include the link, e.g. `nft rule inet filter input (handle 4): iifname == "eth0"`,
 *   `nft rule inet fw input (handle 9): iifname == @trusted_ifs ("eth0")`,
 *   `nft rule inet fw input (handle 14): iifname . ip saddr == "eth0"` (the
 *   interface's component of the concatenated elements).
 */
export function nftRulesNamingLink(ruleset: readonly Record<string, unknown>[], dev: string): string[] {
  const declared = declaredElements(ruleset);
  const out: string[] = [];
  for (const item of ruleset) {
    const rule = isObj(item.rule) ? item.rule : undefined;
    if (!rule || typeof rule.family !== "string" || !IP_LAYER_FAMILIES.has(rule.family)) continue;
    const where = `${rule.family} ${rule.table}`;
    const hits: string[] = [];
    for (const c of comparisons(rule.expr)) {
      const keys = keysOf(c.left);
      if (keys.length === 0) continue;
      const named = new Set<string>();
      for (const value of keysCompared(c.right, declared, where)) {
        for (const { at } of keys) {
          const v = component(value, at);
          if (namesLink(v, dev)) named.add(JSON.stringify(v));
        }
      }
      if (named.size === 0) continue;
      const values = [...named].join(", ");
      const via = typeof c.right === "string" && c.right.startsWith("@") ? `${c.right} (${values})` : values;
      hits.push(`${leftText(c.left)} ${c.op} ${via}`);
    }
    if (hits.length > 0) {
      const handle = rule.handle === undefined ? "" : ` (handle ${rule.handle})`;
      out.push(`nft rule ${rule.family} ${rule.table} ${rule.chain}${handle}: ${hits.join(", ")}`);
    }
  }
  return out;
}

/**
 * Whether a rule found naming a link (a line of {@link nftRulesNamingLink},
 * or of `iptablesNaming`) matches on anything *but* the link: nft's `!=`
 * (`iifname != "eth0"`), iptables' `! -i eth0` / `! -o eth0`. Such a rule
 * does not stop matching once the link is a bridge port: it starts matching
 * every packet the host then sends and receives through the bridge (M2).
 * @param ref One such line.
 * @returns `true` for a negated match.
 */
export function isNegatedLinkRef(ref: string): boolean {
  return / != |(^|\s)! -[io] |(^|\s)! --(in|out)-interface /.test(ref);
}

/**
 * The sentences that say what rules naming the uplink do once it is a port
 * of the bridge: one for the rules that match it (they stop matching), one
 * for those that match anything but it (they start matching all the host's
 * traffic), each listing its rules.
 * @param uplink The uplink, e.g. `eth0`.
 * @param bridge The bridge, e.g. `br0` (or `a bridge`).
 * @param refs The rules, as {@link nftRulesNamingLink} and `iptablesNaming` give them.
 * @returns Zero, one or two sentences.
 */
export function uplinkRefSentences(uplink: string, bridge: string, refs: readonly string[]): string[] {
  const negated = refs.filter(isNegatedLinkRef);
  const plain = refs.filter((r) => !isNegatedLinkRef(r));
  const out: string[] = [];
  if (plain.length > 0) {
    out.push(
      `Firewall rules match on '${uplink}' and stop matching once it is a port of ${bridge}: ${plain.join("; ")}`,
    );
  }
  if (negated.length > 0) {
    out.push(
      `Firewall rules match on anything but '${uplink}' and start matching all the host's traffic once it is a port ` +
        `of ${bridge} (the traffic then enters and leaves on the bridge): ${negated.join("; ")}`,
    );
  }
  return out;
}
