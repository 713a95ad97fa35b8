import { z } from "../zod_deferred.ts";
import { linkName } from "./fields.ts";
import { type Infer, type StepContext, type StepKind, stepSchema } from "./types.ts";
import { objectId } from "./objects.ts";
import { parseToolJson } from "../host/ip_json.ts";

/**
 * An nftables table name as nsrecipe writes it, e.g. `nsrecipe_web_1a2b3c4d`:
 * an identifier of nft(8)'s grammar, so it is never read as a keyword or an option.
 */
export const NFT_TABLE_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * `nat-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link NatAddStep}.
 */
export const natAddSchema = stepSchema("nat-add", () => ({
  /** Table name in the `inet` family, e.g. `nsrecipe_web_1a2b3c4d` ({@link NFT_TABLE_PATTERN}). */
  table: z.string().check(z.regex(NFT_TABLE_PATTERN, "not an nftables table nsrecipe writes")),
  /** The namespace subnet, IPv4 CIDR with host bits clear like `10.200.0.0/24`. */
  subnet: z.string().check(z.regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "not an IPv4 CIDR")),
  /** Name of the bridge the namespace sits on, e.g. `br0`. */
  bridge: linkName(),
  /** Name of the uplink the traffic leaves through, e.g. `eth0`. */
  uplink: linkName(),
}));

/**
 * Create an nftables table that nsrecipe owns (nft(8)): masquerade for a
 * namespace subnet leaving through the uplink, and forward accepts for it.
 * The table must be new (`create table`); undo deletes it only while it
 * holds nothing but what the step made.
 */
export type NatAddStep = Infer<typeof natAddSchema>;

/**
 * The nft(8) script that builds the table: a `postrouting` NAT chain that
 * masquerades the subnet leaving through the uplink, and a `forward` filter
 * chain that accepts the subnet's traffic between the bridge and the uplink.
 * Only nsrecipe's own table is touched; a `drop` policy in another table's
 * forward chain still applies (doctor reports it). Link names are quoted, so
 * none is read as a keyword.
 *
 * @param s The step.
 * @returns The commands, separated by `;`, e.g. `add table inet nsrecipe_web_1a2b3c4d; add chain …`.
 */
export function natScript(s: NatAddStep): string {
  const t = `inet ${s.table}`;
  const [bridge, uplink] = [`"${s.bridge}"`, `"${s.uplink}"`];
  return [
    `create table ${t}`,
    `add chain ${t} postrouting { type nat hook postrouting priority srcnat ; policy accept ; }`,
    `add rule ${t} postrouting ip saddr ${s.subnet} oifname ${uplink} masquerade`,
    `add chain ${t} forward { type filter hook forward priority filter ; policy accept ; }`,
    `add rule ${t} forward iifname ${bridge} oifname ${uplink} ip saddr ${s.subnet} accept`,
    `add rule ${t} forward iifname ${uplink} oifname ${bridge} ip daddr ${s.subnet} ct state established,related accept`,
  ].join("; ");
}

async function tableExists(s: NatAddStep, ctx: StepContext): Promise<boolean> {
  return (await ctx.run(["nft", "list", "table", "inet", s.table], { okCodes: [0, 1] })).code === 0;
}

/** The chains {@link natScript} makes, by name, with their hook and the rules it puts in each. */
const OWN_CHAINS: Readonly<Record<string, { hook: string; rules: number }>> = {
  postrouting: { hook: "postrouting", rules: 1 },
  forward: { hook: "forward", rules: 2 },
};

/** What {@link tableContent} tells apart. */
export interface TableContent {
  /** The step's chains found as it made them (name, hook, its rules and no other), e.g. `["postrouting"]`. */
  own: string[];
  /** Everything else in the table, one phrase each, e.g. `chain 'admin'`, `rule in 'admin'`. */
  foreign: string[];
}

/**
 * Tells the step's chains in its table from anything else there (pure): a
 * chain is the step's when it has one of {@link natScript}'s names and hooks
 * and holds exactly its rules, each naming the step's subnet (a chain someone
 * added a rule to, or made anew under the name, is not).
 * @param s The step.
 * @param entries `nft -j list table inet TABLE`'s entries (libnftables-json(5)).
 * @returns The step's chains and the rest.
 */
export function tableContent(s: NatAddStep, entries: readonly Record<string, unknown>[]): TableContent {
  const chains = new Map<string, { hook?: string }>();
  const rules = new Map<string, string[]>();
  const foreign: string[] = [];
  for (const e of entries) {
    const [type, body] = Object.entries(e)[0] ?? [];
    const b = (body ?? {}) as { name?: string; hook?: string; chain?: string };
    if (type === "metainfo" || type === "table") continue;
    if (type === "chain" && b.name !== undefined) chains.set(b.name, b);
    else if (type === "rule" && b.chain !== undefined) {
      rules.set(b.chain, [...rules.get(b.chain) ?? [], JSON.stringify(b)]);
    } else foreign.push(`${type} ${b.name ?? ""}`.trim());
  }
  const subnet = JSON.stringify(s.subnet.split("/")[0]);
  const own: string[] = [];
  for (const [name, chain] of chains) {
    const mine = OWN_CHAINS[name];
    const its = rules.get(name) ?? [];
    if (mine && chain.hook === mine.hook && its.length === mine.rules && its.every((r) => r.includes(subnet))) {
      own.push(name);
    } else {
      foreign.push(`chain '${name}'`, ...its.map(() => `rule in '${name}'`));
    }
  }
  return { own, foreign };
}

/** The table's content ({@link tableContent}), or `undefined` when there is no such table. */
async function readContent(s: NatAddStep, ctx: StepContext): Promise<TableContent | undefined> {
  const listed = await ctx.run(["nft", "-j", "list", "table", "inet", s.table], { okCodes: [0, 1] });
  if (listed.code !== 0) return undefined;
  const text = listed.stdout.trim();
  return tableContent(s, text === "" ? [] : (parseToolJson(text) as { nftables: Record<string, unknown>[] }).nftables);
}

/**
 * `nat-add`: creates nftables table `inet TABLE` with {@link natScript}, given
 * to one `nft` invocation. nft sends every command of one input (the command
 * line, like a file read with `nft -f`) to the kernel as one netlink batch,
 * which nf_tables commits whole or not at all: a command the kernel refuses
 * leaves no half-built table (tests/e2e/nat_test.ts). `create table` fails
 * (EEXIST) on a table of that name made since the plan refused it (nft(8):
 * "create: similar to add but returns an error if the table already
 * exists"), so the step never adds to someone's table, and its failed first
 * command leaves nothing to revert. The inverse is
 * `nft delete table inet TABLE`, which removes its chains and rules (nft(8)),
 * run only while the table holds nothing else ({@link tableContent}); in a
 * table someone added to, only the step's own chains are deleted (one
 * batch), and undo says what it left; a table made anew under the name,
 * without them, is left as it is.
 */
export const natAdd: StepKind<NatAddStep> = {
  schema: natAddSchema,
  summary: (s) => `masquerade ${s.subnet} out of '${s.uplink}' (nftables table inet ${s.table})`,
  object: (s) => objectId("nft", s.table),
  commands: (s) => [["nft", "--", natScript(s)]],
  async verify(s, ctx) {
    return (await tableExists(s, ctx)) ? undefined : `nftables table inet ${s.table} does not exist`;
  },
  async isReverted(s, ctx) {
    return ((await readContent(s, ctx))?.own.length ?? 0) === 0;
  },
  async preview(s, ctx) {
    const argv = deletion(s, await readContent(s, ctx));
    return argv ? [`$ ${argv.join(" ")}`] : [];
  },
  async revert(s, ctx) {
    const content = await readContent(s, ctx);
    const argv = deletion(s, content);
    if (!content || !argv) return;
    await ctx.run(argv);
    if (content.foreign.length === 0) return;
    ctx.log?.(
      `Deleted nsrecipe's chains ${content.own.map((c) => `'${c}'`).join(", ")} of nftables table inet ${s.table} ` +
        `and left the table: it holds what nsrecipe did not make (${content.foreign.join(", ")}).`,
    );
  },
};

/**
 * What deletes nsrecipe's part of its table: the whole table when it holds nothing else, else only its own chains.
 * @param s The step.
 * @param content What the table holds now; `undefined` when it is gone.
 * @returns The `nft` argv; `undefined` when nothing of nsrecipe's is left.
 */
function deletion(s: NatAddStep, content: TableContent | undefined): string[] | undefined {
  if (!content || content.own.length === 0) return undefined;
  return content.foreign.length === 0
    ? ["nft", "delete", "table", "inet", s.table]
    : ["nft", "--", content.own.map((c) => `delete chain inet ${s.table} ${c}`).join("; ")];
}
