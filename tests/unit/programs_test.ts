import assert from "node:assert/strict";
import { assertPrograms, assertProgramsAhead, executableByStat, programCandidates } from "../../src/cli/programs.ts";
import { CommandError, PreconditionError } from "../../src/errors.ts";
import type { Runner } from "../../src/exec/mod.ts";

/** A fake seam: `test` answers `testCode` (or is missing when `undefined`), a program in `missing` cannot start. */
function fake(testCode: number | undefined, missing: string[] = []): { run: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const run: Runner = (argv) => {
    calls.push([...argv]);
    const program = argv[0];
    if ((program === "test" && testCode === undefined) || missing.includes(program)) {
      return Promise.reject(new CommandError(argv, -1, `${program}: not found`));
    }
    const code = program === "test" ? testCode! : 0;
    return Promise.resolve({ argv, code, stdout: "", stderr: "", durationMs: 1 });
  };
  return { run, calls };
}

Deno.test("assertPrograms: several programs found in PATH cost one test(1) process, no program is started", async () => {
  const { run, calls } = fake(0);
  await assertPrograms(run, ["ip", "cat", "stat", "kill", "ip"]);
  assert.equal(calls.length, 1);
  assert.equal(calls[0][0], "test");
  // Every program is asked about, each as its own parenthesised group joined by -a.
  const groups = calls[0].slice(1).join(" ").split(" ) -a ( ");
  assert.equal(groups.length, 4);
  for (const [i, p] of ["ip", "cat", "stat", "kill"].entries()) assert.match(groups[i], new RegExp(`-x \\S*/${p} `));
});

Deno.test("assertPrograms: when test(1) says one is missing, each is started and the missing ones are named", async () => {
  const { run, calls } = fake(1, ["stat", "kill"]);
  await assert.rejects(
    () => assertPrograms(run, ["ip", "cat", "stat", "kill"]),
    (e) =>
      e instanceof PreconditionError && /'stat' and 'kill' were not found in PATH/.test(e.message) &&
      e.hint === "Install them ('apt install coreutils procps') or fix PATH.",
  );
  assert.deepEqual(calls.slice(1).map((c) => c.join(" ")).sort(), [
    "cat --version",
    "ip -V",
    "kill --version",
    "stat --version",
  ]);
});

Deno.test("assertPrograms: without test(1), or for one program, each is started", async () => {
  const without = fake(undefined);
  await assertPrograms(without.run, ["ip", "cat"]);
  assert.deepEqual(without.calls.map((c) => c[0]), ["test", "ip", "cat"]);
  const one = fake(0);
  await assertPrograms(one.run, ["unshare"]);
  assert.deepEqual(one.calls, [["unshare", "--version"]]);
});

Deno.test("assertProgramsAhead: the base programs, unshare and the command in one test(1) when all are there", async () => {
  const { run, calls } = fake(0);
  const found = await assertProgramsAhead(run, ["ip", "head"], ["unshare", "/opt/tool", "", "ip"], "/usr/bin:/bin");
  assert.deepEqual([...found], ["ip", "head", "unshare", "/opt/tool"]);
  assert.equal(calls.length, 1);
  const groups = calls[0].slice(1).join(" ").split(" ) -a ( ");
  assert.deepEqual(groups.length, 4);
  // A name is looked up in each directory of PATH, a path with a '/' as it is.
  assert.match(groups[2], /-x \/usr\/bin\/unshare .*-x \/bin\/unshare /);
  assert.match(groups[3], /^\( -f \/opt\/tool -a -x \/opt\/tool \)/);
});

Deno.test("assertProgramsAhead: when one is missing, the base programs are checked as assertPrograms does (each named), the others left to their own check", async () => {
  // The command is missing, the base programs are there: only the base counts as found.
  const later = fake(1);
  let n = 0;
  const run: Runner = (argv, o) =>
    later.run(argv, o).then((r) => argv[0] === "test" && n++ > 0 ? { ...r, code: 0 } : r);
  assert.deepEqual([...await assertProgramsAhead(run, ["ip", "head"], ["no-such-command"], "/bin")], ["ip", "head"]);
  assert.deepEqual(later.calls.map((c) => c[0]), ["test", "test"]);
  // A base program is missing: refused naming it, as assertPrograms does.
  const { run: missing, calls } = fake(1, ["head"]);
  await assert.rejects(
    () => assertProgramsAhead(missing, ["ip", "head"], ["true"], "/bin"),
    (e) => e instanceof PreconditionError && /^'head' was not found in PATH; nothing was changed/.test(e.message),
  );
  assert.deepEqual(calls.map((c) => c.join(" ")).filter((c) => !c.startsWith("test ")).sort(), [
    "head --version",
    "ip -V",
  ]);
});

Deno.test("programCandidates: each PATH directory in order, once; an empty entry is '.', a path with a '/' itself", () => {
  assert.deepEqual(programCandidates("ip", "/usr/sbin:/usr/bin/::/usr/sbin"), ["/usr/sbin/ip", "/usr/bin/ip", "./ip"]);
  assert.deepEqual(programCandidates("/opt/x", "/bin"), ["/opt/x"]);
});

Deno.test("executableByStat: for root, a regular file with an execute bit among the candidates; another uid is not answered", () => {
  const file = (mode: number) => ({ ok: true as const, value: { dev: 1, ino: 2, dir: false, file: true, mode } });
  const missing = { ok: false as const, reason: "No such file or directory" };
  const dir = { ok: true as const, value: { dev: 1, ino: 3, dir: true, file: false, mode: 0o755 } };
  assert.equal(executableByStat([missing, file(0o755)], 0), true);
  assert.equal(executableByStat([file(0o010)], 0), true, "root runs a file any execute bit allows");
  assert.equal(executableByStat([missing, file(0o644), dir], 0), false);
  assert.equal(executableByStat([], 0), false);
  assert.equal(executableByStat([file(0o755)], 1000), undefined);
});

Deno.test("assertProgramsAhead: programs known from a stat cost no process; the others are asked of one test(1); a base program known missing is named", async () => {
  const known = (yes: string[], no: string[] = []) => (p: string) =>
    Promise.resolve(yes.includes(p) ? true : no.includes(p) ? false : undefined);
  // All known: no process at all.
  const quiet = fake(0);
  const all = await assertProgramsAhead(quiet.run, ["ip", "cat"], ["unshare"], "/bin", known(["ip", "cat", "unshare"]));
  assert.deepEqual([...all], ["ip", "cat", "unshare"]);
  assert.deepEqual(quiet.calls, []);
  // The command is not known: one test for it alone.
  const one = fake(0);
  const found = await assertProgramsAhead(one.run, ["ip"], ["unshare", "true"], "/bin", known(["ip", "unshare"]));
  assert.deepEqual([...found].sort(), ["ip", "true", "unshare"]);
  assert.deepEqual(one.calls, [["test", "(", "(", "-f", "/bin/true", "-a", "-x", "/bin/true", ")", ")"]]);
  // A base program the stat found missing: checked as assertPrograms does, and named.
  const gone = fake(1, ["kill"]);
  await assert.rejects(
    () => assertProgramsAhead(gone.run, ["ip", "kill"], [], "/bin", known(["ip"], ["kill"])),
    (e) => e instanceof PreconditionError && /^'kill' was not found in PATH; nothing was changed/.test(e.message),
  );
  assert.deepEqual(gone.calls, [["kill", "--version"]]);
});
