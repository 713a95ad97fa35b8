/**
 * veth-bridge on hosts that are not tidy (issue 9): point-to-point prefixes,
 * bridges nsrecipe did not create (their MTU and MAC), an address already
 * used on the LAN, and inputs refused at plan time.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";

const ping = (lab: TestLab, target: string, netns?: string) =>
  lab.sh([...(netns ? ["ip", "netns", "exec", netns] : []), "ping", "-c", "1", "-W", "2", target]);

async function must(lab: TestLab, argv: string[]): Promise<string> {
  const r = await lab.sh(argv);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function run(lab: TestLab, args: string[]): Promise<void> {
  const r = await lab.nsrecipe(["run", "veth-bridge", ...args, "--no-confirm"]);
  assert.equal(r.code, 0, `run veth-bridge ${args.join(" ")}: ${r.stderr}`);
}

Deno.test("case 7: /31 (RFC 3021) and /127 (RFC 6164) subnets carry traffic both ways; undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await run(lab, ["--name", "p2p", "--subnet", "10.77.0.0/31", "--bridge", "p2pbr"]);
    assert.match(await must(lab, ["ip", "-br", "addr", "show", "dev", "p2pbr"]), /10\.77\.0\.0\/31/);
    assert.match(await must(lab, ["ip", "-n", "p2p", "-br", "addr", "show", "dev", "eth0"]), /10\.77\.0\.1\/31/);
    assert.equal((await ping(lab, "10.77.0.0", "p2p")).code, 0, "namespace -> bridge (.0 is a host address in /31)");
    assert.equal((await ping(lab, "10.77.0.1")).code, 0, "host -> namespace");
    await run(lab, ["--name", "p6", "--subnet", "2001:db8:77::/127", "--bridge", "p6br"]);
    assert.equal(
      (await ping(lab, "2001:db8:77::", "p6")).code,
      0,
      "namespace -> bridge (::0 is a host address in /127)",
    );
    assert.equal((await ping(lab, "2001:db8:77::1")).code, 0, "host -> namespace");
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("case 7: /32 and /128 addresses are point-to-point: onlink gateway, host route; two namespaces share the bridge's /32", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await run(lab, ["--name", "h1", "--address", "10.78.0.2/32", "--bridge-address", "10.78.0.1/32"]);
    await run(lab, ["--name", "h2", "--address", "10.78.0.3/32"]);
    assert.match(await must(lab, ["ip", "-n", "h1", "route", "show", "default"]), /via 10\.78\.0\.1 dev eth0 onlink/);
    assert.equal((await ping(lab, "10.78.0.1", "h1")).code, 0, "h1 -> its gateway");
    assert.equal((await ping(lab, "10.78.0.2")).code, 0, "host -> h1 (host route)");
    assert.equal((await ping(lab, "10.78.0.3")).code, 0, "host -> h2");
    await run(lab, ["--name", "h6", "--address", "2001:db8:78::2/128", "--bridge-address", "2001:db8:78::1/128"]);
    assert.equal((await ping(lab, "2001:db8:78::1", "h6")).code, 0, "h6 -> its gateway");
    assert.equal((await ping(lab, "2001:db8:78::2")).code, 0, "host -> h6");
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("case 10: reserved subnets and leading zeros are refused by plan and run with exit 2, before any step", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [args, pattern] of [
        [["--subnet", "224.0.0.0/24"], /lies in 224\.0\.0\.0\/4, IPv4 multicast/],
        [["--subnet", "127.0.0.0/8"], /IPv4 loopback/],
        [["--subnet", "0.0.0.0/8"], /'this network'/],
        [["--subnet", "240.0.0.0/4"], /reserved IPv4 space/],
        [["--subnet", "ff00::/8"], /IPv6 multicast/],
        [["--address", "::1/128", "--bridge-address", "::2/128"], /IPv6 loopback/],
        [["--address", "010.0.0.1/24"], /leading zero: some tools read it as octal/],
        [["--subnet", "10.200.0.0/024"], /is not a CIDR/],
      ] as const
    ) {
      for (const command of ["plan", "run"]) {
        const r = await lab.nsrecipe([command, "veth-bridge", "--name", "x", ...args]);
        assert.equal(r.code, EXIT.usage, `${command} ${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
      }
    }
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});
