/**
 * Which session each command of `run` and `undo` starts in, pinned: the reads before the first change (the CLI's
 * stat and head read ahead, test(1), `ip -V`, the host look; undo's first look) in nsrecipe's own session
 * (src/cli/early_reads.ts: no fork of the whole process per start, and a Ctrl-C ends them with nsrecipe), and every
 * command from the run-begin record on (the changes, the reads that check them, undo's deletions) in a session of its
 * own, out of reach of the terminal's Ctrl-C (src/cli/interrupt.ts).
 *
 * Each program is wrapped by a script first in PATH that logs its own session, its parent's (nsrecipe's) and its
 * arguments, then runs the real program.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";

const DIR = "/run/sessions";

/** One command as the wrappers logged it. */
interface Logged {
  /** Whether it was in nsrecipe's session (else it leads one of its own). */
  shared: boolean;
  /** Program and arguments. */
  argv: string;
}

Deno.test("run netns and its undo: reads before the first change in nsrecipe's session, every command from the first change on in a session of its own", async () => {
  await withLab(async (lab) => {
    const path = (await lab.sh(["sh", "-c", "echo $PATH"])).stdout.trim();
    for (const program of ["ip", "stat", "head", "test"]) {
      const real = (await lab.sh(["which", program])).stdout.trim();
      assert.ok(real.startsWith("/"), `${program}: ${real}`);
      const script = `#!/bin/sh
own=$(ps -o sid= -p $$ | tr -d ' ')
parent=$(ps -o sid= -p $PPID | tr -d ' ')
echo "$own $$ $parent ${program} $*" >> ${DIR}/log
exec ${real} "$@"
`;
      const made = await lab.sh([
        "sh",
        "-c",
        `mkdir -p ${DIR}/bin && cat > ${DIR}/bin/${program} && chmod 755 ${DIR}/bin/${program}`,
      ], script);
      assert.equal(made.code, 0, made.stderr);
    }
    const env = { PATH: `${DIR}/bin:${path}` };
    const logged = async (): Promise<Logged[]> => {
      const text = (await lab.readFile(`${DIR}/log`)) ?? "";
      await lab.sh(["rm", "-f", `${DIR}/log`]);
      return text.split("\n").filter(Boolean).map((l) => {
        const [own, pid, parent, ...argv] = l.split(" ");
        assert.ok(own === parent || own === pid, `neither nsrecipe's session nor its own: ${l}`);
        return { shared: own === parent, argv: argv.join(" ") };
      });
    };
    // Setup only: no command inside, whose start (stdio inherited) is in nsrecipe's session by design.
    const run = await lab.nsrecipe(["run", "netns", "--name", "s1"], env);
    assert.equal(run.code, 0, run.stderr);
    const ran = await logged();
    const first = ran.findIndex((c) => c.argv === "ip netns add s1");
    assert.ok(first > 0, JSON.stringify(ran));
    const before = ran.slice(0, first);
    const after = ran.slice(first);
    assert.deepEqual(before.filter((c) => !c.shared), [], "reads before the first change share nsrecipe's session");
    assert.deepEqual(after.filter((c) => c.shared), [], "from the first change on, sessions of their own");
    for (const read of ["stat -L", "head -v", "ip -V", "ip -json -details -batch -"]) {
      assert.ok(
        before.some((c) => c.argv.startsWith(read)),
        `${read} before the first change: ${JSON.stringify(before)}`,
      );
    }
    assert.ok(after.some((c) => c.argv.startsWith("ip -n s1 ")), JSON.stringify(after));

    const undo = await lab.nsrecipe(["undo"], env);
    assert.equal(undo.code, 0, undo.stderr);
    const undid = await logged();
    const deletions = undid.findIndex((c) => c.argv.startsWith("ip ") && c.argv.includes("-batch"));
    assert.ok(deletions > 0, JSON.stringify(undid));
    assert.deepEqual(undid.slice(0, deletions).filter((c) => !c.shared), [], "undo's first look: nsrecipe's session");
    assert.deepEqual(undid.slice(deletions).filter((c) => c.shared), [], "undo's deletions: sessions of their own");
    assert.ok(undid.slice(0, deletions).some((c) => c.argv.startsWith("stat -L")), JSON.stringify(undid));
  });
});
