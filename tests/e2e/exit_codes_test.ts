/**
 * Every exit code of README's table at its edges: the case that just makes
 * it, with the message that says the truth. Each test drives the CLI in a lab
 * and checks the host and the journal, not only the code.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost, journalText } from "../support/reliability.ts";

Deno.test("exit 3: a read-only state directory is a precondition for run, undo and status (no 'internal error', no stack trace); the applied run is kept and undone once it is writable", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "ro1"]), 0, "run before the remount");
    const applied = await lab.snapshot();
    const journal = await journalText(lab);
    // The state directory made read-only in place (a read-only bind mount of itself), journal and all.
    const bind = await lab.sh([
      "sh",
      "-c",
      "mount --bind /run/nsrecipe /run/nsrecipe && mount -o remount,bind,ro /run/nsrecipe",
    ]);
    assert.equal(bind.code, 0, bind.stderr);
    for (const args of [["undo"], ["run", "netns", "--name", "ro2"], ["status"], ["undo", "--all"]]) {
      const r = await lab.nsrecipe(args);
      assertExit(r, EXIT.precondition, args.join(" "));
      assert.match(
        r.stderr,
        /^nsrecipe: Cannot write in the state directory '\/run\/nsrecipe': Read-only file system/m,
      );
      assert.match(r.stderr, /nothing was changed/);
      assert.doesNotMatch(r.stderr, /internal error|^\s+at /m, `${args.join(" ")}: no stack trace`);
    }
    assertSameHost(await lab.snapshot(), applied, "commands refused on a read-only state directory");
    assert.equal((await lab.sh(["umount", "/run/nsrecipe"])).code, 0);
    assert.equal(await journalText(lab), journal, "the journal is as the run left it");
    assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo once writable");
    assertSameHost(await lab.snapshot(), before, "undo once writable");
  });
});
