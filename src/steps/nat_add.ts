import type { NatAddStep, StepContext, StepKind } from "./types.ts";

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
  summary: (s) => `masquerade ${s.subnet} out of '${s.uplink}' (nftables table inet ${s.table})`,
  object: (s) => `nft:${s.table}`,
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
