import assert from "node:assert/strict";
import { argvParts, readLinkSysctls, SYSCTL_ARGV_BYTES } from "../../src/host/mod.ts";
import type { Runner } from "../../src/exec/mod.ts";
import { stdioLabel } from "../../src/exec/runner.ts";

/** What sysctl(8) answers in a lab: names with -N, values of the keys asked, EIO for an unset secret. */
function fakeSysctl(secretSet: boolean, mode: string) {
  const asked: string[][] = [];
  const run = (argv: readonly string[]) => {
    asked.push([...argv]);
    const ok = (stdout: string) => Promise.resolve({ argv, durationMs: 1, code: 0, stdout, stderr: "" });
    if (argv.includes("-N")) {
      return ok(
        [
          "net.ipv4.conf.eth0.rp_filter",
          "net.ipv6.conf.eth0.addr_gen_mode",
          "net.ipv6.conf.eth0.stable_secret",
          "net.ipv4.neigh.eth0.retrans_time",
        ].join("\n") + "\n",
      );
    }
    if (argv.includes("-n")) {
      return secretSet ? ok("2001:0db8:0000:0000:0000:0000:0000:0077\n") : Promise.resolve({
        argv,
        durationMs: 1,
        code: 1,
        stdout: "",
        stderr: 'sysctl: reading key "net.ipv6.conf.eth0.stable_secret"\n',
      });
    }
    return ok(
      "net.ipv4.conf.eth0.rp_filter = 2\n" +
        `net.ipv6.conf.eth0.addr_gen_mode = ${mode}\nnet.ipv4.neigh.eth0.retrans_time = 100\n`,
    );
  };
  return { run, asked };
}

Deno.test("N22: readLinkSysctls lists the keys (-N, no read), reads all but stable_secret, and reads the secret only for a stable_privacy link; asks only keys that can exist", async () => {
  const { run, asked } = fakeSysctl(true, "2");
  const out = await readLinkSysctls(run, undefined, undefined, ["all", "default", "eth0"]);
  assert.deepEqual(asked, [
    [
      "sysctl",
      "-N",
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
    ],
    ["sysctl", "net/ipv4/conf/eth0/rp_filter", "net/ipv6/conf/eth0/addr_gen_mode", "net/ipv4/neigh/eth0/retrans_time"],
    ["sysctl", "-n", "net/ipv6/conf/eth0/stable_secret"],
  ]);
  assert.deepEqual(out.map((x) => `${x.tree} ${x.dev} ${x.name}=${x.value}`), [
    "net.ipv4.conf eth0 rp_filter=2",
    "net.ipv6.conf eth0 addr_gen_mode=2",
    "net.ipv4.neigh eth0 retrans_time=100",
    "net.ipv6.conf eth0 stable_secret=2001:0db8:0000:0000:0000:0000:0000:0077",
  ]);
});

Deno.test("N22: readLinkSysctls does not read the secret of a link that does not use one (eui64), and leaves out one that cannot be read (the link uses the default secret)", async () => {
  const eui64 = fakeSysctl(false, "0");
  const out = await readLinkSysctls(eui64.run, "web", ["net.ipv6.conf"], ["eth0"]);
  assert.deepEqual(eui64.asked.map((a) => a.slice(0, 6)), [
    ["ip", "netns", "exec", "web", "sysctl", "-N"],
    ["ip", "netns", "exec", "web", "sysctl", "net/ipv4/conf/eth0/rp_filter"],
  ]);
  assert.ok(!out.some((x) => x.name === "stable_secret"));
  const inherited = fakeSysctl(false, "2");
  const got = await readLinkSysctls(inherited.run, undefined, ["net.ipv6.conf"], ["eth0"]);
  assert.equal(inherited.asked.length, 3, "the secret is asked for");
  assert.deepEqual(got.filter((x) => x.name === "stable_secret"), []);
});

Deno.test("stdioLabel: 'interactive' only when stdin is a terminal", () => {
  assert.equal(stdioLabel("terminal", true), "interactive");
  assert.equal(stdioLabel("terminal", false), "stdio inherited");
  assert.equal(stdioLabel("terminal-stderr", false), "stdio inherited, stdout to stderr");
  assert.equal(stdioLabel("detached", true), "detached");
});

Deno.test("readLinkSysctls reads the keys of a host of hundreds of links in several sysctl calls, each under SYSCTL_ARGV_BYTES, all values kept in order (one call failed with E2BIG)", async () => {
  const devs = Array.from({ length: 400 }, (_, i) => `veth${i}`);
  const names = Array.from({ length: 60 }, (_, i) => `setting_number_${i}`);
  const keys = devs.flatMap((d) => names.map((n) => `net.ipv4.conf.${d}.${n}`));
  const calls: string[][] = [];
  const run: Runner = (argv) => {
    calls.push([...argv]);
    const text = argv[1] === "-N"
      ? keys.join("\n")
      : argv.slice(1).map((k) => `${k.replaceAll("/", ".")} = ${k.length}`).join("\n");
    return Promise.resolve({ argv, code: 0, stdout: `${text}\n`, stderr: "", durationMs: 1 });
  };
  const out = await readLinkSysctls(run, undefined, ["net.ipv4.conf"]);
  assert.equal(out.length, keys.length);
  assert.deepEqual(out.map((x) => `net.ipv4.conf.${x.dev}.${x.name}`), keys);
  const reads = calls.slice(1);
  assert.ok(reads.length > 1, `${reads.length} read call(s)`);
  for (const c of reads) {
    assert.equal(c[0], "sysctl");
    const bytes = c.slice(1).reduce((n, k) => n + new TextEncoder().encode(k).length + 1, 0);
    assert.ok(bytes <= SYSCTL_ARGV_BYTES, `${bytes} bytes in one call`);
  }
});

Deno.test("argvParts: runs of at most max bytes (NUL counted), in order; an over-long key alone; none for no key", () => {
  assert.deepEqual(argvParts(["aa", "bb", "cc"], 6), [["aa", "bb"], ["cc"]]);
  assert.deepEqual(argvParts(["a", "toolongkey", "b"], 4), [["a"], ["toolongkey"], ["b"]]);
  assert.deepEqual(argvParts([], 4), []);
});
