import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";

async function journalText(lab: TestLab): Promise<string> {
  return (await lab.nsrecipe(["--json", "journal"])).stdout;
}

Deno.test("N25: nsrecipe inside a run's own command (NSRECIPE_RUN) refuses undo, run, confirm, status, doctor, shell: exit 3, nothing changed", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]);
    assert.equal(r.code, 0, r.stderr);
    const before = await lab.snapshot();
    const journal = await journalText(lab);
    for (
      const args of [
        ["undo"],
        ["undo", "web"],
        ["run", "netns", "--name", "x"],
        ["confirm"],
        ["status"],
        ["doctor"],
        ["exec", "web", "--", "true"],
      ]
    ) {
      // In the run's namespaces with the variable its own shell has (exec/terminal.ts whereEnv).
      const inside = await lab.nsrecipe([
        "exec",
        "web",
        "--",
        "env",
        "NSRECIPE_RUN=nsrecipe:web",
        ...selfArgv(),
        ...args,
      ]);
      assert.equal(inside.code, EXIT.precondition, `${args.join(" ")}: ${inside.code} ${inside.stderr}`);
      assert.match(inside.stderr, /You are inside run 'web' \(its shell\); exit it first/, args.join(" "));
      const after = await lab.snapshot();
      assert.deepEqual(after, before, `${args.join(" ")}: ${snapshotDiff(before, after)}`);
      assert.equal(await journalText(lab), journal, `${args.join(" ")}: nothing recorded`);
    }
    // Ping through br0 still works: the run was not touched.
    assert.equal((await lab.sh(["ip", "netns", "exec", "web", "ping", "-c1", "-W2", "10.200.0.1"])).code, 0);
    const undo = await lab.nsrecipe(["undo", "web"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.doesNotMatch((await lab.sh(["ip", "-br", "link"])).stdout, /^br0\b/m, "br0 removed by the real undo");
  });
});

Deno.test("N25: nsrecipe entered into a run's netns by hand (no NSRECIPE_RUN) refuses run, confirm, exec and undo; exit 3, nothing changed", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "netns", "--name", "n1", "--confirm", "60", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    const before = await lab.snapshot();
    const journal = await journalText(lab);
    for (
      const [args, message] of [
        [
          ["run", "netns", "--name", "x"],
          /Not on the host the journal's runs changed: this nsrecipe runs in network namespace net:\[\d+\], not in the one/,
        ],
        [["confirm", "n1"], /Not on the host the journal's runs changed/],
        [["exec", "n1", "--", "true"], /Not on the host the journal's runs changed/],
        [["undo", "n1"], /another network namespace \(net:\[\d+\]\), not this one/],
      ] as const
    ) {
      const inside = await lab.sh(["ip", "netns", "exec", "n1", ...selfArgv(), ...args]);
      assert.equal(inside.code, EXIT.precondition, `${args.join(" ")}: ${inside.code} ${inside.stderr}`);
      assert.match(inside.stderr, message, args.join(" "));
      const after = await lab.snapshot();
      assert.deepEqual(after, before, `${args.join(" ")}: ${snapshotDiff(before, after)}`);
      assert.equal(await journalText(lab), journal, `${args.join(" ")}: nothing recorded`);
    }
    assert.equal((await lab.nsrecipe(["confirm", "n1"])).code, 0, "from the lab's own namespace it confirms");
    assert.equal((await lab.nsrecipe(["undo", "n1"])).code, 0);
  });
});
