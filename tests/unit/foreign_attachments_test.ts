import assert from "node:assert/strict";
import { foreignAttachments, type NetnsLinks } from "../../src/engine/drift.ts";
import type { IpAddrInfo } from "../../src/host/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

/** veth-bridge's steps as journalled: netns web, bridge br0 (10.200.0.1/24), veth-web <-> eth0 in web (10.200.0.2/24). */
const VETH_BRIDGE: Step[] = [
  { kind: "netns-add", netns: "web" },
  { kind: "veth-add", dev: "veth-web", peer: "p-1234" },
  { kind: "link-set-netns", dev: "p-1234", netns: "web", newName: "eth0" },
  { kind: "bridge-add", dev: "br0" },
  { kind: "addr-add", dev: "br0", addr: { local: "10.200.0.1", prefixlen: 24 } },
  { kind: "link-set-up", dev: "br0" },
  { kind: "link-set-master", dev: "veth-web", master: "br0" },
  { kind: "addr-add", dev: "eth0", netns: "web", addr: { local: "10.200.0.2", prefixlen: 24 } },
] as Step[];

const v4 = (local: string, prefixlen = 24): IpAddrInfo => ({ family: "inet", local, prefixlen, scope: "global" });
const v6 = (local: string, extra: Partial<IpAddrInfo> = {}): IpAddrInfo => ({
  family: "inet6",
  local,
  prefixlen: 64,
  scope: "global",
  ...extra,
});

/** The host and namespace as the run left them, plus `more`. */
function seen(more: { links?: NetnsLinks["links"]; br0?: IpAddrInfo[]; eth0?: IpAddrInfo[] } = {}): NetnsLinks[] {
  return [
    {
      links: [{ ifname: "eth0" }, { ifname: "br0" }, { ifname: "veth-web", master: "br0" }, ...(more.links ?? [])],
      addrs: [
        { ifname: "eth0", addr_info: [v4("198.51.100.10")] },
        { ifname: "br0", addr_info: [v4("10.200.0.1"), v6("fe80::1", { scope: "link" }), ...(more.br0 ?? [])] },
        { ifname: "veth-web", addr_info: [v6("fe80::2", { scope: "link" })] },
      ],
    },
    {
      netns: "web",
      links: [{ ifname: "lo" }, { ifname: "eth0" }],
      addrs: [{ ifname: "eth0", addr_info: [v4("10.200.0.2"), ...(more.eth0 ?? [])] }],
    },
  ];
}

Deno.test("foreignAttachments: the run's own ports and addresses (and the kernel's IPv6 link-local ones) are none", () => {
  assert.deepEqual(foreignAttachments(VETH_BRIDGE, seen()), []);
});

Deno.test("foreignAttachments: a VM's tap and a container's veth enslaved to the run's bridge by someone else are named", () => {
  const links = [{ ifname: "vnet3", master: "br0" }, { ifname: "veth9f2c", master: "br0" }, { ifname: "tap1" }];
  assert.deepEqual(foreignAttachments(VETH_BRIDGE, seen({ links })), [
    "'vnet3' was enslaved to bridge 'br0' (made by this run) outside nsrecipe: undo deleting the bridge frees it",
    "'veth9f2c' was enslaved to bridge 'br0' (made by this run) outside nsrecipe: undo deleting the bridge frees it",
  ]);
});

Deno.test("foreignAttachments: an address added by hand to the run's bridge, or to its veth inside the namespace (followed through its move and rename), is named", () => {
  assert.deepEqual(foreignAttachments(VETH_BRIDGE, seen({ br0: [v4("192.0.2.7")], eth0: [v6("2001:db8:5::9")] })), [
    "address 192.0.2.7/24 on 'br0' (made by this run) was added outside nsrecipe: undo deleting the link removes it",
    "address 2001:db8:5::9/64 on 'eth0' in 'web' (made by this run) was added outside nsrecipe: undo deleting the link removes it",
  ]);
});

Deno.test("foreignAttachments: another bridge's ports, the uplink's addresses and IPv6 addresses from router advertisements (dynamic) are not the run's concern", () => {
  const links = [{ ifname: "lxcbr0" }, { ifname: "vethA", master: "lxcbr0" }];
  const view = seen({ links, br0: [v6("2001:db8:1::5054:ff:fe12:3456", { dynamic: true })] });
  view[0].addrs = [...view[0].addrs, { ifname: "lxcbr0", addr_info: [v4("10.0.3.1")] }];
  assert.deepEqual(foreignAttachments(VETH_BRIDGE, view), []);
  // veth-bridge onto an existing bridge: the bridge is not the run's, so its other ports are not foreign to it.
  const onExisting = VETH_BRIDGE.filter((s) => s.kind !== "bridge-add" && !(s.kind === "addr-add" && s.dev === "br0"));
  assert.deepEqual(foreignAttachments(onExisting, seen({ links: [{ ifname: "vnet3", master: "br0" }] })), []);
});

Deno.test("foreignAttachments: full-migrate's uplink enslaved and its addresses moved to the bridge are the run's; a third port is not", () => {
  const steps = [
    ...VETH_BRIDGE,
    { kind: "addr-add", dev: "br0", addr: { local: "198.51.100.10", prefixlen: 24 } },
    { kind: "link-set-master", dev: "eth0", master: "br0" },
  ] as Step[];
  const view = seen({ br0: [v4("198.51.100.10")], links: [{ ifname: "eth1", master: "br0" }] });
  view[0].links = view[0].links.map((l) => l.ifname === "eth0" ? { ...l, master: "br0" } : l);
  assert.deepEqual(foreignAttachments(steps, view), [
    "'eth1' was enslaved to bridge 'br0' (made by this run) outside nsrecipe: undo deleting the bridge frees it",
  ]);
});

Deno.test("foreignAttachments: a second nsrecipe run's veth on this run's bridge, and its address there, are not foreign (known steps)", () => {
  const second = [
    { kind: "link-set-master", dev: "veth-api", master: "br0" },
    { kind: "addr-add", dev: "br0", addr: { local: "10.200.0.254", prefixlen: 24 } },
  ] as Step[];
  const view = seen({ links: [{ ifname: "veth-api", master: "br0" }], br0: [v4("10.200.0.254")] });
  assert.equal(foreignAttachments(VETH_BRIDGE, view).length, 2, "without knowing the second run: both named");
  assert.deepEqual(foreignAttachments(VETH_BRIDGE, view, second), []);
});
