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
