import assert from "node:assert/strict";
import { assertPrograms, assertProgramsAhead } from "../../src/cli/programs.ts";
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
    (e) => e instanceof PreconditionError && /'stat' and 'kill' were not found in PATH/.test(e.message),
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
