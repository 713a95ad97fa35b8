import assert from "node:assert/strict";
import { readLinkSysctls } from "../../src/host/mod.ts";
import { stdioLabel } from "../../src/exec/runner.ts";

Deno.test("readLinkSysctls of some links asks only keys that can exist: no neigh/all; -e leaves out neigh/default outside the initial netns", async () => {
  const asked: string[][] = [];
  const out = await readLinkSysctls(
    (argv) => {
      asked.push([...argv]);
      return Promise.resolve({
        argv,
        durationMs: 1,
        code: 0,
        stdout: "net.ipv4.conf.eth0.rp_filter = 2\nnet.ipv4.neigh.eth0.retrans_time = 100\n",
        stderr: "",
      });
    },
    undefined,
    undefined,
    ["all", "default", "eth0"],
  );
  assert.deepEqual(asked, [[
    "sysctl",
    "-e",
    "net/ipv4/conf/all",
    "net/ipv4/conf/default",
    "net/ipv4/conf/eth0",
    "net/ipv6/conf/all",
    "net/ipv6/conf/default",
    "net/ipv6/conf/eth0",
    "net/ipv4/neigh/default",
    "net/ipv4/neigh/eth0",
    "net/ipv6/neigh/default",
    "net/ipv6/neigh/eth0",
  ]]);
  assert.deepEqual(out.map((x) => `${x.tree} ${x.dev} ${x.name}=${x.value}`), [
    "net.ipv4.conf eth0 rp_filter=2",
    "net.ipv4.neigh eth0 retrans_time=100",
  ]);
});

Deno.test("stdioLabel: 'interactive' only when stdin is a terminal", () => {
  assert.equal(stdioLabel("terminal", true), "interactive");
  assert.equal(stdioLabel("terminal", false), "stdio inherited");
  assert.equal(stdioLabel("terminal-stderr", false), "stdio inherited, stdout to stderr");
  assert.equal(stdioLabel("detached", true), "detached");
});
