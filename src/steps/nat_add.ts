import { z } from "zod";
import { linkName } from "./fields.ts";
import { type Infer, type StepContext, type StepKind, stepSchema } from "./types.ts";
import { objectId } from "./objects.ts";

/**
 * An nftables table name as nsrecipe writes it, e.g. `nsrecipe_web_1a2b3c4d`:
 * an identifier of nft(8)'s grammar, so it is never read as a keyword or an option.
 */
export const NFT_TABLE_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * `nat-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link NatAddStep}.
 */
export const natAddSchema = stepSchema("nat-add", {
  /** Table name in the `inet` family, e.g. `nsrecipe_web_1a2b3c4d` ({@link NFT_TABLE_PATTERN}). */
  table: z.string().regex(NFT_TABLE_PATTERN, "not an nftables table nsrecipe writes"),
  /** The namespace subnet, IPv4 CIDR with host bits clear like `10.200.0.0/24`. */
  subnet: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "not an IPv4 CIDR"),
  /** Name of the bridge the namespace sits on, e.g. `br0`. */
  bridge: linkName,
  /** Name of the uplink the traffic leaves through, e.g. `eth0`. */
  uplink: linkName,
});

/**
 * Create an nftables table that nsrecipe owns (nft(8)): masquerade for a
 * namespace subnet leaving through the uplink, and forward accepts for it.
 * Undo deletes the whole table, nothing else.
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
    `add table ${t}`,
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

/**
 * `nat-add`: creates nftables table `inet TABLE` with {@link natScript}, given
 * to one `nft` invocation. nft sends every command of one input (the command
 * line, like a file read with `nft -f`) to the kernel as one netlink batch,
 * which nf_tables commits whole or not at all: a command the kernel refuses
 * leaves no half-built table (tests/e2e/nat_test.ts). The inverse is
 * `nft delete table inet TABLE`, which removes its chains and rules and
 * nothing else (nft(8)).
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
    return !(await tableExists(s, ctx));
  },
  async revert(s, ctx) {
    await ctx.run(["nft", "delete", "table", "inet", s.table]);
  },
};
