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
