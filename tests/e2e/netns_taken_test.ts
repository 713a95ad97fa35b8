/**
 * P15: a namespace name that is taken: `run` and `doctor --name` say which applied run made it (so 'nsrecipe undo
 * NAME' is the way), or that none did (so it is someone's: 'ip netns del'), instead of "if nsrecipe made it".
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";

Deno.test("P15: a namespace name taken by an applied run: run and doctor name the run and 'nsrecipe undo NAME'; one made by hand: no run made it, 'ip netns del'", async () => {
  await withLab(async (lab) => {
    const id = (await lab.nsrecipe(["run", "netns", "--name", "web"])).stdout.trim();
    assert.match(id, /^\d{8}T\d{6}-[0-9a-f]{4}$/);
    assert.equal((await lab.sh(["ip", "netns", "add", "other"])).code, 0);
    const ours = `It belongs to applied run ${id} (web): 'nsrecipe undo web' removes it, or choose another --name.`;
    const theirs = "No applied run of nsrecipe made it: choose another --name, or remove it ('ip netns del other').";
    for (const [name, hint] of [["web", ours], ["other", theirs]]) {
      const run = await lab.nsrecipe(["run", "netns", "--name", name, "--", "true"]);
      assert.equal(run.code, EXIT.precondition, run.stderr);
      assert.ok(run.stderr.includes(hint), run.stderr);
      const doctor = JSON.parse((await lab.nsrecipe(["--json", "doctor", "--name", name])).stdout);
      const f = doctor.findings.find((x: { id: string }) => x.id === "netns-name");
      assert.equal(f.verdict, "fail");
      assert.equal(f.fix, hint);
    }
    assert.equal((await lab.nsrecipe(["undo", "web"])).code, 0);
    assert.equal((await lab.sh(["ip", "netns", "del", "other"])).code, 0);
  });
});

Deno.test("P15: an --address already in use says who holds it: a namespace of an applied run (naming the run), one made by hand", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "v1"])).code, 0);
    const v2 = (await lab.nsrecipe(["run", "veth-bridge", "--name", "v2"])).stdout.trim();
    assert.match(v2, /^\d{8}T\d{6}-[0-9a-f]{4}$/);
    assert.equal((await lab.sh(["ip", "netns", "add", "byhand"])).code, 0);
    assert.equal((await lab.sh(["ip", "-n", "byhand", "link", "set", "lo", "up"])).code, 0);
    assert.equal((await lab.sh(["ip", "-n", "byhand", "addr", "add", "10.200.0.9/24", "dev", "lo"])).code, 0);
    const before = await lab.snapshot();
    for (
      const [address, holder] of [
        ["10.200.0.3", `network namespace 'v2' holds it (applied run ${v2}, v2)`],
        ["10.200.0.9", "network namespace 'byhand' holds it"],
      ]
    ) {
      const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "v3", "--address", `${address}/24`]);
      assert.equal(r.code, EXIT.precondition, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`^nsrecipe: --address ${address.replaceAll(".", "\\.")} is already in use: `, "m"),
      );
      assert.ok(r.stderr.includes(`is already in use: ${holder}\n`), r.stderr);
    }
    assert.deepEqual(await lab.snapshot(), before, "refused before any change");
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal((await lab.sh(["ip", "netns", "del", "byhand"])).code, 0);
  });
});
