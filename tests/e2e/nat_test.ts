import assert from "node:assert/strict";
import { natTable } from "../../recipes/veth_bridge.ts";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";

Deno.test("--nat builds its nftables table in one transaction: a chain the kernel refuses (the 4th command) leaves nothing of it, and the run rolls back whole", async () => {
  await withLab(async (lab) => {
    // A table already under nsrecipe's name whose 'forward' is a NAT chain: adding nsrecipe's filter chain
    // 'forward' is refused by the kernel (EOPNOTSUPP) after the table, the NAT chain and its rule were accepted.
    const table = natTable("n1");
    const made = await lab.sh(
      ["nft", "-f", "-"],
      `table inet ${table} {\n  chain forward {\n    type nat hook postrouting priority srcnat; policy accept;\n  }\n}\n`,
    );
    assert.equal(made.code, 0, made.stderr);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n1", "--nat"]);
    assert.equal(r.code, EXIT.rolledBack, r.stderr);
    assert.match(r.stderr, /Step 14 \(masquerade 10\.200\.0\.0\/24 out of 'eth0'.*failed/);
    assert.match(r.stderr, /Could not process rule: Operation not supported/);
    const ruleset = (await lab.sh(["nft", "list", "table", "inet", table])).stdout;
    assert.doesNotMatch(ruleset, /postrouting \{|masquerade|iifname/, "none of the transaction's commands took effect");
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("M10: a forward chain with policy drop refuses veth-bridge --nat with doctor's reason (exit 3, nothing changed); --force goes ahead and the drop is real", async () => {
  await withLab(async (lab) => {
    const made = await lab.sh(
      ["nft", "-f", "-"],
      "table inet t {\n chain fwd_c {\n  type filter hook forward priority 0; policy drop;\n }\n}\n",
    );
    assert.equal(made.code, 0, made.stderr);
    const before = await lab.snapshot();
    const refused = await lab.nsrecipe(["run", "veth-bridge", "--name", "n1", "--nat"]);
    assert.equal(refused.code, EXIT.precondition, refused.stderr);
    assert.match(
      refused.stderr,
      /forward: Traffic routed from 'br0' \(veth-bridge --nat\) is dropped by nft chain inet t fwd_c \(policy drop\);.*; the namespace could not reach beyond the bridge/,
    );
    assert.match(refused.stderr, /Or pass --force to go ahead anyway\./);
    assert.deepEqual(await lab.snapshot(), before, "nothing changed");
    // Without --nat nothing leaves the bridge: a warning only.
    const plain = await lab.nsrecipe(["run", "veth-bridge", "--name", "p1", "--", "true"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(
      plain.stderr,
      /Warning: (Bridged traffic on|Traffic routed from) 'br0'.* dropped by nft chain inet t fwd_c/,
    );
    // --force only means something with --nat.
    const stray = await lab.nsrecipe(["run", "veth-bridge", "--name", "p2", "--force"]);
    assert.equal(stray.code, EXIT.usage, stray.stderr);
    assert.match(stray.stderr, /--force only applies with --nat/);
    const forced = await lab.nsrecipe(["run", "veth-bridge", "--name", "n1", "--nat", "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /Warning: .*the namespace could not reach beyond the bridge \(--force given\)/);
    const ping = ["ip", "netns", "exec", "n1", "ping", "-c", "1", "-W", "1", "198.51.100.1"];
    assert.notEqual((await lab.sh(ping)).code, 0, "the host's forward chain drops the namespace's traffic");
    assert.equal((await lab.sh(["nft", "insert", "rule", "inet", "t", "fwd_c", "iifname", "br0", "accept"])).code, 0);
    assert.equal(
      (await lab.sh([
        "nft",
        "insert",
        "rule",
        "inet",
        "t",
        "fwd_c",
        "oifname",
        "br0",
        "ct",
        "state",
        "established,related",
        "accept",
      ])).code,
      0,
    );
    assert.equal((await lab.sh(ping)).code, 0, "doctor's narrow rules let it through");
  });
});
