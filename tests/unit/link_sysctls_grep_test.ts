import assert from "node:assert/strict";
import { parseGrepSysctls } from "../support/link_sysctls.ts";

Deno.test("parseGrepSysctls: a dotted link by its directory, a value with colons and tabs whole, sysctl's deprecated keys and other paths left out", () => {
  const text = [
    "/proc/sys/net/ipv4/conf/eth0.100/rp_filter:2",
    "/proc/sys/net/ipv6/conf/eth0/stable_secret:2001:0db8:0000:0000:0000:0000:0000:0001",
    "/proc/sys/net/ipv4/neigh/eth0/retrans_time:100",
    "/proc/sys/net/ipv4/neigh/eth0/retrans_time_ms:1000",
    "/proc/sys/net/ipv6/neigh/default/base_reachable_time:30",
    "/proc/sys/net/ipv4/conf/all/retrans_time:7",
    "/proc/sys/net/ipv4/tcp_rmem:4096\t131072\t6291456",
    "/proc/sys/net/ipv4/conf/eth0/deeper/key:1",
    "no colon here",
    "",
  ].join("\n");
  assert.deepEqual(parseGrepSysctls(text), [
    { tree: "net.ipv4.conf", dev: "eth0.100", name: "rp_filter", value: "2" },
    {
      tree: "net.ipv6.conf",
      dev: "eth0",
      name: "stable_secret",
      value: "2001:0db8:0000:0000:0000:0000:0000:0001",
    },
    { tree: "net.ipv4.neigh", dev: "eth0", name: "retrans_time_ms", value: "1000" },
    // Deprecated only in the neighbour trees (procps lists a conf key of that name, were there one).
    { tree: "net.ipv4.conf", dev: "all", name: "retrans_time", value: "7" },
  ]);
});
