/**
 * Undo ends what runs inside the namespace it deletes, also a process that
 * ignores SIGTERM and keeps forking (apart from `undo_own_test.ts`, so that
 * `deno test --parallel` runs its three trials beside the rest).
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { netnsPids, pidsInNamespace, stopSpawned } from "../support/netns_processes.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

Deno.test("a process that ignores SIGTERM and keeps forking inside the namespace: undo ends it and every child (SIGSTOP, SIGKILL until empty), names them, and no process is left in the deleted namespace (3 trials)", async (t) => {
  for (const trial of [1, 2, 3]) {
    await t.step(`trial ${trial}`, () =>
      withLab(async (lab) => {
        const before = await lab.snapshot();
        assertExit(await lab.nsrecipe(["run", "netns", "--name", "fork"]), EXIT.ok, "run");
        // SIG_IGN survives fork and exec (signal(7)), so every 'sleep' child ignores SIGTERM too.
        const forker = lab.spawn([
          "ip",
          "netns",
          "exec",
          "fork",
          "sh",
          "-c",
          'trap "" TERM; while :; do sleep 1000 & sleep 0.02; done',
        ]);
        const ended = forker.output();
        let inode = "";
        try {
          let pids: string[] = [];
          await waitFor("the forking process and its children", async () =>
            (pids = await netnsPids(lab, "fork")).length >= 3);
          inode = (await lab.sh(["readlink", `/proc/${pids[0]}/ns/net`])).stdout.trim();
          assert.match(inode, /^net:\[\d+\]$/);
          const undo = await lab.nsrecipe(["undo"]);
          assertExit(undo, EXIT.ok, "undo");
          assert.match(undo.stderr, /Ending \d+ process(es)?: \d+ \((sh -c|sleep)/);
          assert.match(
            undo.stderr,
            /\d+ process(es)?: \d+ .* in 'fork' did not exit after SIGTERM: killed \(SIGKILL\)/,
          );
          assert.deepEqual(await pidsInNamespace(lab, inode), [], "no process is left in the deleted namespace");
          assertSameHost(await lab.snapshot(), before, "undo of a namespace with a forking process");
        } finally {
          // The test failed: end whatever is left, so the forker's pipes close.
          const left = inode ? await pidsInNamespace(lab, inode) : await netnsPids(lab, "fork");
          if (left.length > 0) {
            await lab.sh(["kill", "-KILL", ...left]);
          }
          await stopSpawned(forker, ended);
        }
      }));
  }
});
