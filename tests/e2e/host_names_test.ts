/**
 * Host state nsrecipe did not make is read whatever it holds: a link whose
 * name has control characters (the kernel accepts them, iproute2's JSON
 * prints them raw) never makes a command fail with an internal error, and
 * is shown escaped, never raw, on the terminal.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

const ESC_NAME = "e\x1b[31mX";

Deno.test("a host link named with an escape sequence, its peer with shell syntax and a control character: doctor, plan, run, status, undo work, and no raw control character reaches the terminal", async () => {
  await withLab(async (lab) => {
    for (const [i, name] of [ESC_NAME, "soh\x01y", "bell\x07"].entries()) {
      const peer = `p${i}\x01;$(id)`;
      const r = await lab.sh(["ip", "link", "add", name, "type", "veth", "peer", "name", peer]);
      assert.equal(r.code, 0, `ip link add ${JSON.stringify(name)}: ${r.stderr}`);
    }
    const before = await lab.snapshot();
    const outputs: string[] = [];
    const step = async (args: string[], code: number) => {
      const r = await lab.nsrecipe(args);
      assertExit(r, code, args.join(" "));
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    await step(["doctor"], EXIT.ok);
    await step(["plan", "veth-bridge", "--name", "v"], EXIT.ok);
    await step(["plan", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24"], EXIT.ok);
    await step(["run", "veth-bridge", "--name", "v"], EXIT.ok);
    await step(["run", "netns", "--name", "z"], EXIT.ok);
    await step(["status"], EXIT.ok);
    await step(["--json", "status"], EXIT.ok);
    await step(["undo", "--all"], EXIT.ok);
    assertSameHost(await lab.snapshot(), before, "undo");
    for (const out of outputs) {
      // deno-lint-ignore no-control-regex -- the test looks for exactly these characters
      assert.doesNotMatch(out, /[\x00-\x08\x0b-\x1f\x7f]/, "no raw control character in any output");
      assert.doesNotMatch(out, /internal error/);
    }
  });
});
