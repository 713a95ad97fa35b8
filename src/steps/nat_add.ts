import { z } from "zod";
import { linkName, text } from "./fields.ts";
import type { Infer, StepContext, StepKind } from "./types.ts";
import { objectId } from "./objects.ts";

/**
 * An nftables table name as nsrecipe writes it, e.g. `nsrecipe_web_1a2b3c4d`:
 * an identifier of nft(8)'s grammar, so it is never read as a keyword or an option.
 */
export const NFT_TABLE_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/**
 * The schema of a `nat-add` step: its data as planned and as journalled.
 * @ignore zod's inferred type has no name the docs can show; read {@link NatAddStep}.
 */
export const natAddSchema = z.object({
  /** Step tag: the discriminant of `Step`, and the key of its behaviour in the registry. */
  kind: z.literal("nat-add"),
  /** Table name in the `inet` family, e.g. `nsrecipe_web_1a2b3c4d` ({@link NFT_TABLE_PATTERN}). */
  table: z.string().regex(NFT_TABLE_PATTERN, "not an nftables table nsrecipe writes"),
  /** The namespace subnet, IPv4 CIDR with host bits clear like `10.200.0.0/24`. */
  subnet: text,
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
 * The nft(8) commands that build the table: a `postrouting` NAT chain that
 * masquerades the subnet leaving through the uplink, and a `forward` filter
 * chain that accepts the subnet's traffic between the bridge and the uplink.
 * Only nsrecipe's own table is touched; a `drop` policy in another table's
 * forward chain still applies (doctor reports it). `--` ends nft's options
 * so no token is read as one.
 *
 * @param s The step.
 * @returns One argv per command.
 */
export function natCommands(s: NatAddStep): string[][] {
  const t = ["inet", s.table];
  return [
    ["nft", "--", "add", "table", ...t],
    [
      "nft",
      "--",
      "add",
      "chain",
      ...t,
      "postrouting",
      "{",
      "type",
      "nat",
      "hook",
      "postrouting",
      "priority",
      "srcnat",
      ";",
      "policy",
      "accept",
      ";",
      "}",
    ],
    ["nft", "--", "add", "rule", ...t, "postrouting", "ip", "saddr", s.subnet, "oifname", s.uplink, "masquerade"],
    [
      "nft",
      "--",
      "add",
      "chain",
      ...t,
      "forward",
      "{",
      "type",
      "filter",
      "hook",
      "forward",
      "priority",
      "filter",
      ";",
      "policy",
      "accept",
      ";",
      "}",
    ],
    [
      "nft",
      "--",
      "add",
      "rule",
      ...t,
      "forward",
      "iifname",
      s.bridge,
      "oifname",
      s.uplink,
      "ip",
      "saddr",
      s.subnet,
      "accept",
    ],
    [
      "nft",
      "--",
      "add",
      "rule",
      ...t,
      "forward",
      "iifname",
      s.uplink,
      "oifname",
      s.bridge,
      "ip",
      "daddr",
      s.subnet,
      "ct",
      "state",
      "established,related",
      "accept",
    ],
  ];
}

async function tableExists(s: NatAddStep, ctx: StepContext): Promise<boolean> {
  return (await ctx.run(["nft", "list", "table", "inet", s.table], { okCodes: [0, 1] })).code === 0;
}

/**
 * `nat-add`: creates nftables table `inet TABLE` with {@link natCommands};
 * the inverse is `nft delete table inet TABLE`, which removes its chains and
 * rules and nothing else (nft(8)).
 */
export const natAdd: StepKind<NatAddStep> = {
  schema: natAddSchema,
  summary: (s) => `masquerade ${s.subnet} out of '${s.uplink}' (nftables table inet ${s.table})`,
  object: (s) => objectId("nft", s.table),
  commands: natCommands,
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
