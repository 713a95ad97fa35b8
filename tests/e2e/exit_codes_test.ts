/**
 * Every exit code of README's table at its edges: the case that just makes
 * it, with the message that says the truth. Each test drives the CLI in a lab
 * and checks the host and the journal, not only the code.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost, fault, journalText } from "../support/reliability.ts";

Deno.test("exit 3: a read-only state directory is a precondition for run and undo (no 'internal error', no stack trace); the applied run is kept and undone once it is writable", async () => {
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
    for (const args of [["undo"], ["run", "netns", "--name", "ro2"], ["undo", "--all"]]) {
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

Deno.test("exit 0, 2, 3 and 4 at their edges: nothing to undo is success; an unknown run is usage; a name taken by hand is a precondition; a failed step rolled back is 4; none changes the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const nothing = await lab.nsrecipe(["undo"]);
    assertExit(nothing, EXIT.ok, "undo with an empty journal");
    assert.match(nothing.stdout, /^Nothing to undo\.$/m);
    const unknown = await lab.nsrecipe(["undo", "nosuch"]);
    assertExit(unknown, EXIT.usage, "undo of a run that does not exist");
    assert.match(unknown.stderr, /No applied run is called 'nosuch'/);
    assert.equal((await lab.sh(["ip", "netns", "add", "taken"])).code, 0);
    const taken = await lab.snapshot();
    const clash = await lab.nsrecipe(["run", "netns", "--name", "taken"]);
    assertExit(clash, EXIT.precondition, "run with a name taken by hand");
    assertSameHost(await lab.snapshot(), taken, "a refused run");
    assert.equal((await lab.sh(["ip", "netns", "del", "taken"])).code, 0);
    const failed = await lab.nsrecipe(["run", "veth-bridge", "--name", "f4"], fault("fail@step:3"));
    assertExit(failed, EXIT.rolledBack, "run whose 4th step fails");
    assert.match(failed.stderr, /Step 4 \(.*\) failed: .*Every step done before it was rolled back/);
    assertSameHost(await lab.snapshot(), before, "edges of 0, 2, 3, 4");
    const after = await lab.nsrecipe(["undo"]);
    assertExit(after, EXIT.ok, "undo after a rolled-back run");
    assert.match(after.stdout, /^Nothing to undo\.$/m);
  });
});

Deno.test("exit 1 only for a bug: a permission set that lacks a program (a broken build) says so, without a stack trace", async () => {
  await withLab(async (lab) => {
    const main = new URL("../../main.ts", import.meta.url).pathname;
    const broken = [
      Deno.execPath(),
      "run",
      "-q",
      "--no-prompt",
      "--allow-read",
      // The state directory as the binary's set allows it (status reads only from a directory nsrecipe may
      // write), so what is missing is exactly the programs.
      "--allow-write=/run/nsrecipe,/var/lib/nsrecipe",
      "--allow-env",
      "--allow-sys",
      main,
      // doctor starts programs whatever the journal holds (status with an empty journal starts none).
      "doctor",
    ];
    const r = await lab.sh(broken);
    assertExit(r, EXIT.internal, "doctor without run permissions");
    assert.match(r.stderr, /^nsrecipe: missing Deno permission \(a bug in the permission set\): Requires run access/m);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    const whole = await lab.nsrecipe(["doctor"]);
    assert.ok(
      ([EXIT.ok, EXIT.precondition] as number[]).includes(whole.code),
      `doctor with the binary's permission set: ${whole.stderr}`,
    );
    assert.doesNotMatch(whole.stderr, /missing Deno permission/);
  });
});
