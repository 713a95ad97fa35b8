/**
 * The harness's one-grep reader of per-interface settings (`tests/support/link_sysctls.ts`, what every test snapshot
 * reads them with) against nsrecipe's own (`readLinkSysctls`, sysctl(8)): the same settings, values and all, on a lab
 * host and in a namespace inside it, with a dotted link name, settings changed from their defaults, a secret in use, a
 * secret written to a link that no longer uses it and one written to `default` (whose `addr_gen_mode` stays 0); and a
 * lab snapshot equal to one taken with nsrecipe's reader.
 */
import assert from "node:assert/strict";
import type { Runner } from "../../src/exec/mod.ts";
import { type LinkSysctl, readLinkSysctls, takeSnapshot } from "../../src/host/mod.ts";
import { withLab } from "../support/lab.ts";
import { grepLinkSysctls } from "../support/link_sysctls.ts";

const byKey = (xs: LinkSysctl[]) =>
  xs.map((x) => `${x.tree} ${x.dev} ${x.name} = ${x.value}`).sort((a, b) => a < b ? -1 : a > b ? 1 : 0);

Deno.test("grepLinkSysctls reads what readLinkSysctls reads (host and netns): changed values, dotted names, the secrets in use only", async () => {
  await withLab(async (lab) => {
    const setup = [
      "ip link add sx.100 type veth peer name sy",
      "ip link add br.t type bridge",
      "sysctl -q -w net.ipv4.conf.sx/100.rp_filter=2",
      "sysctl -q -w net.ipv6.conf.sy.accept_ra=0",
      "sysctl -q -w net.ipv4.neigh.sy.gc_stale_time=77",
      // Written first: writing default's secret sets every link's addr_gen_mode to stable_privacy (addrconf.c).
      "sysctl -q -w net.ipv6.conf.default.stable_secret=2001:db8:1:2:3:4:5:7",
      "sysctl -q -w net.ipv6.conf.sy.stable_secret=2001:db8:1:2:3:4:5:6",
      "sysctl -q -w net.ipv6.conf.br/t.stable_secret=2001:db8:1:2:3:4:5:8",
      "sysctl -q -w net.ipv6.conf.br/t.addr_gen_mode=0",
      "ip netns add t1",
      "ip -n t1 link add in.1 type veth peer name in2",
      "ip netns exec t1 sysctl -q -w net.ipv4.conf.in/1.arp_ignore=1",
      "ip netns exec t1 sysctl -q -w net.ipv6.conf.in2.stable_secret=2001:db8::9",
    ];
    const made = await lab.sh(["sh", "-ec", setup.join("\n")]);
    assert.equal(made.code, 0, made.stderr);

    const grep = await grepLinkSysctls(lab.runner);
    assert.deepEqual(byKey(grep), byKey(await readLinkSysctls(lab.runner)));
    const keys = byKey(grep);
    for (
      const k of [
        "net.ipv4.conf sx.100 rp_filter = 2",
        "net.ipv6.conf sy accept_ra = 0",
        "net.ipv4.neigh sy gc_stale_time = 77",
        "net.ipv6.conf sy addr_gen_mode = 2",
        "net.ipv6.conf sy stable_secret = 2001:0db8:0001:0002:0003:0004:0005:0006", // as the kernel prints it
        "net.ipv6.conf br.t addr_gen_mode = 0",
      ]
    ) assert.ok(keys.includes(k), `${k} in ${keys.length} settings`);
    // A secret not in use (br.t's mode set back, default's mode 0) is not a setting either reader shows.
    assert.deepEqual(keys.filter((k) => k.includes("stable_secret")), [
      "net.ipv6.conf sy stable_secret = 2001:0db8:0001:0002:0003:0004:0005:0006",
    ]);
    // Neither shows the keys sysctl(8) lists as deprecated.
    assert.equal(keys.filter((k) => /neigh \S+ (base_reachable_time|retrans_time) /.test(k)).length, 0);
    assert.ok(keys.some((k) => k.startsWith("net.ipv4.neigh sy base_reachable_time_ms = ")), "the _ms forms stay");

    const inside = await grepLinkSysctls(lab.runner, "t1");
    assert.deepEqual(byKey(inside), byKey(await readLinkSysctls(lab.runner, "t1")));
    assert.ok(byKey(inside).includes("net.ipv4.conf in.1 arp_ignore = 1"));
    assert.ok(byKey(inside).includes("net.ipv6.conf in2 stable_secret = 2001:0db8:0000:0000:0000:0000:0000:0009"));
    assert.ok(!byKey(inside).some((k) => / sx\.100 | sy /.test(k)), "the namespace's own links only");

    // The snapshot every test takes equals the one nsrecipe's reader gives.
    assert.deepEqual(await lab.snapshot(), await takeSnapshot(lab.runner));
    assert.deepEqual(await lab.snapshot("t1"), await takeSnapshot(lab.runner, "t1"));
  });
});

Deno.test("grepLinkSysctls throws on a read error other than an unset secret's, naming grep's message", async () => {
  const err = await grepLinkSysctls(() =>
    Promise.resolve({
      argv: [],
      code: 2,
      durationMs: 1,
      stdout: "/proc/sys/net/ipv4/conf/lo/rp_filter:0\n",
      stderr: "grep: /proc/sys/net/ipv6/conf/lo/stable_secret: Input/output error\n" +
        "grep: /proc/sys/net/ipv4/conf/eth0/forwarding: Permission denied\n",
    })
  ).then(() => undefined, (e) => e);
  assert.ok(err instanceof Error);
  assert.match(err.message, /exit 2\): grep: \/proc\/sys\/net\/ipv4\/conf\/eth0\/forwarding: Permission denied$/);
  assert.doesNotMatch(err.message, /stable_secret/);
});

Deno.test("readLinkSysctls reads a namespace's settings in several sysctl calls when their keys are many (a host of 400 links failed with 'Argument list too long' in one), as grep reads them", async () => {
  await withLab(async (lab) => {
    // 40 links, about 5,000 keys: 200 KB, four calls of at most SYSCTL_ARGV_BYTES (the E2BIG bound itself is
    // unit-tested: a host of 400 links takes 15 s of the kernel's time to read, one way or the other).
    const batch = Array.from({ length: 20 }, (_, i) => `link add v${i} type veth peer name w${i}\n`).join("");
    const made = await lab.sh(["sh", "-ec", "ip netns add big\nip -n big -batch -"], batch);
    assert.equal(made.code, 0, made.stderr);
    const reads: string[][] = [];
    const counting: Runner = (argv, opts) => {
      if (argv.includes("sysctl") && !argv.includes("-N")) reads.push([...argv]);
      return lab.runner(argv, opts);
    };
    const read = await readLinkSysctls(counting, "big");
    assert.ok(reads.length >= 3, `${reads.length} sysctl read(s)`);
    assert.equal(new Set(read.map((x) => x.dev)).size, 40 + 3, "every link, lo, all and default");
    assert.deepEqual(byKey(read), byKey(await grepLinkSysctls(lab.runner, "big")));
  });
});

Deno.test("grepLinkSysctls refuses a link name that is not UTF-8 (grep would give it as U+FFFD), as readLinkSysctls fails on it", async () => {
  await withLab(async (lab) => {
    const made = await lab.sh([
      "sh",
      "-ec",
      "ip netns add odd\nip -n odd link add \"$(printf 'x\\377')\" type veth peer name y",
    ]);
    assert.equal(made.code, 0, made.stderr);
    await assert.rejects(grepLinkSysctls(lab.runner, "odd"), /a link name is not UTF-8 \('x\uFFFD'\)/);
    await assert.rejects(readLinkSysctls(lab.runner, "odd"));
  });
});
