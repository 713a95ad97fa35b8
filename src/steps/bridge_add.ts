import { z } from "../zod_deferred.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { text } from "./fields.ts";
import { linkAddArgv, newLink, newLinkFields } from "./link_add.ts";

/**
 * `bridge-add`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link BridgeAddStep}.
 */
export const bridgeAddSchema = stepSchema("bridge-add", () => ({
  /** The bridge: its name, e.g. `br0`; a fixed MAC, so it does not take its lowest port's; its MTU. */
  ...newLinkFields(),
  /**
   * Its link group (`ip link add … group GROUP`, ip-link(8); IFLA_GROUP): a
   * number or a name of `/etc/iproute2/group`, e.g. `7`. full-migrate gives
   * the bridge the uplink's group, since nft `iifgroup`/`oifgroup`, `ip rule
   * … suppress_ifgroup` and `ip link set group N …` select links by it;
   * absent = the kernel's `default` (0).
   */
  group: z.optional(text()),
  /**
   * Created with `arp off` (ip-link(8); IFF_NOARP): the bridge neither asks
   * nor answers ARP, as the uplink it takes over did not. Absent = ARP on.
   */
  noarp: z.optional(z.literal(true)),
  /** Created with `multicast off` (ip-link(8); IFF_MULTICAST cleared), as the uplink. Absent = multicast on. */
  nomulticast: z.optional(z.literal(true)),
  /**
   * Its alias (ip-link(8) `alias NAME`; IFLA_IFALIAS, at most 255 bytes), set
   * by a second command, `ip link set dev BR alias NAME`, since the kernel
   * ignores IFLA_IFALIAS when it creates a link (net/core/rtnetlink.c applies
   * it in do_setlink only). Absent = none.
   */
  alias: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
}));

/**
 * Create a bridge with STP off: `ip link add dev BR [address MAC] [mtu M]
 * [group G] [arp off] [multicast off] type bridge stp_state 0`, then
 * `ip link set dev BR alias NAME` when it has an alias (ip-link(8),
 * Documentation/networking/bridge.rst).
 */
export type BridgeAddStep = Infer<typeof bridgeAddSchema>;

/**
 * `bridge-add`: `ip link add dev BR [address MAC] [mtu M] type bridge
 * stp_state 0` (ip-link(8)). STP is off so a new port forwards at once
 * instead of waiting 2 × forward_delay (Documentation/networking/bridge.rst).
 * A fixed MAC keeps the bridge from taking the lowest port MAC. Undo deletes
 * the bridge, which releases its ports.
 */
export const bridgeAdd: StepKind<BridgeAddStep> = {
  schema: bridgeAddSchema,
  summary: (s) =>
    `create bridge '${s.dev}' (STP off${s.mac ? `, MAC ${s.mac}` : ""}${s.noarp ? ", ARP off" : ""}${
      s.nomulticast ? ", multicast off" : ""
    }${s.alias === undefined ? "" : `, alias ${JSON.stringify(s.alias)}`})`,
  commands: (s) => {
    const argv = linkAddArgv(s, ["bridge", "stp_state", "0"]);
    const at = argv.indexOf("type");
    // ip link add applies the link flags it is given (rtnl_configure_link), so the bridge never answers ARP.
    const more = [
      ...(s.group === undefined ? [] : ["group", s.group]),
      ...(s.noarp ? ["arp", "off"] : []),
      ...(s.nomulticast ? ["multicast", "off"] : []),
    ];
    return [
      [...argv.slice(0, at), ...more, ...argv.slice(at)],
      ...(s.alias === undefined ? [] : [["ip", "link", "set", "dev", s.dev, "alias", s.alias]]),
    ];
  },
  async verify(s, ctx) {
    const link = await ctx.ip.link(s.dev);
    if (!link) return `bridge '${s.dev}' does not exist`;
    if (link.linkinfo?.info_kind !== "bridge") return `'${s.dev}' is not a bridge`;
    if (s.mac && link.address?.toLowerCase() !== s.mac.toLowerCase()) {
      return `bridge '${s.dev}' has MAC ${link.address}, not ${s.mac}`;
    }
    // A bridge's MTU follows its ports' (net/bridge/br_if.c br_mtu_auto_adjust) unless set: the plan's ports match it.
    if (s.mtu && link.mtu !== s.mtu) return `bridge '${s.dev}' has MTU ${link.mtu}, not ${s.mtu}`;
    if (s.group !== undefined && link.group !== s.group) {
      return `bridge '${s.dev}' is in link group ${link.group}, not ${s.group}`;
    }
    const flags = link.flags ?? [];
    if (s.noarp && !flags.includes("NOARP")) return `bridge '${s.dev}' answers ARP, not 'arp off'`;
    if (s.nomulticast && flags.includes("MULTICAST")) return `bridge '${s.dev}' has multicast on, not 'multicast off'`;
    if (s.alias !== undefined && link.ifalias !== s.alias) {
      return `bridge '${s.dev}' has alias ${JSON.stringify(link.ifalias ?? "")}, not ${JSON.stringify(s.alias)}`;
    }
    return undefined;
  },
  ...newLink<BridgeAddStep>(),
};
