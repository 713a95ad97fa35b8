import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";

Deno.test("run netns: the command sees only lo UP; status lists the run; undo restores the snapshot; a second undo is a no-op", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const run = await lab.nsrecipe(["run", "netns", "--name", "t1", "--", "ip", "-json", "link"]);
    assert.equal(run.code, 0, run.stderr);
    const links = JSON.parse(run.stdout) as { ifname: string; flags: string[] }[];
    assert.deepEqual(links.map((l) => l.ifname), ["lo"]);
    assert.ok(links[0].flags.includes("UP"));
    const list = await lab.sh(["ip", "netns", "list"]);
    assert.match(list.stdout, /^t1\b/m);
    const status = await lab.nsrecipe(["--json", "status"]);
    assert.equal(status.code, 0, status.stderr);
    const runs = JSON.parse(status.stdout).runs as { label: string; recipe: string; drift: string[] }[];
    assert.deepEqual(runs.map((r) => [r.recipe, r.label, r.drift.length]), [["netns", "t1", 0]]);
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /^t1\b/m);
    assert.deepEqual(await lab.snapshot(), before);
    const again = await lab.nsrecipe(["undo"]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Nothing to undo/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("run pid-only: the command is PID 1 and sees no host process", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "pid-only", "--", "ps", "-e", "-o", "pid=", "-o", "comm="]);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows, [["1", "ps"]]);
  });
});

Deno.test("K07: pid-only forks, so every command of a script runs and only the namespace's processes are counted", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe([
      "run",
      "pid-only",
      "--",
      "bash",
      "-c",
      "echo $$; /bin/true; /bin/true; ps -e --no-headers | wc -l",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").map((s) => s.trim()), ["1", "3"]);
  });
});

Deno.test("run exits with the command's exit code", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "netns", "--name", "t2", "--rm", "--", "sh", "-c", "exit 7"]);
    assert.equal(r.code, 7, r.stderr);
    assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /t2/, "--rm undid the run");
  });
});

Deno.test("a netns name taken by hand: refused before any change, exit code precondition, message names it", async () => {
  await withLab(async (lab) => {
    await lab.sh(["ip", "netns", "add", "taken"]);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "netns", "--name", "taken", "--", "true"]);
    assert.equal(r.code, EXIT.precondition);
    assert.match(r.stderr, /'taken' already exists/);
    assert.match(
      r.stderr,
      /No applied run of nsrecipe made it: choose another --name, or remove it \('ip netns del taken'\)/,
    );
    assert.deepEqual(await lab.snapshot(), before);
    const journal = await lab.nsrecipe(["--json", "journal"]);
    assert.deepEqual(JSON.parse(journal.stdout).records, []);
  });
});

Deno.test("K06: a stale /run/netns entry is reported as such and no shell starts in the host's namespace", async () => {
  await withLab(async (lab) => {
    await lab.sh(["mkdir", "-p", "/run/netns"]);
    await lab.sh(["touch", "/run/netns/n1"]);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "netns", "--name", "n1", "--", "ip", "-br", "link"]);
    assert.equal(r.code, EXIT.precondition);
    assert.match(r.stderr, /stale namespace file/);
    assert.match(r.stderr, /rm \/run\/netns\/n1/);
    assert.doesNotMatch(r.stdout, /eth0/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

for (
  const [what, name, pattern] of [
    ["a name with '/'", "a/b", /not allowed/],
    ["a leading '-'", "-x", /not allowed/],
    ["an empty name", "", /empty/],
    ["a name over 64 bytes", "n".repeat(65), /65 bytes long; the limit is 64/],
    ["a shell-looking name", "x$(touch /tmp/pwned)", /not allowed/],
    ["a name with a space", "a b", /not allowed/],
    ["an ip keyword", "help", /iproute2 keyword/],
  ] as const
) {
  Deno.test(`bad input, ${what}: usage exit code, clear message, nothing changed`, async () => {
    await withLab(async (lab) => {
      const before = await lab.snapshot();
      const r = await lab.nsrecipe(["run", "netns", `--name=${name}`, "--", "true"]);
      assert.equal(r.code, EXIT.usage, r.stderr);
      assert.match(r.stderr, pattern);
      assert.deepEqual(await lab.snapshot(), before);
      assert.equal((await lab.sh(["test", "-e", "/tmp/pwned"])).code, 1);
    });
  });
}

Deno.test("an unknown recipe is a usage error naming the recipes", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["run", "no-such-recipe"]);
    assert.equal(r.code, EXIT.usage);
    assert.match(r.stderr, /Unknown recipe 'no-such-recipe'\.\nUsage: nsrecipe run RECIPE.*\nRecipes: pid-only, netns/);
  });
});

Deno.test("the state directory is created 0700 and owned by root", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "t3", "--", "true"])).code, 0);
    const st = await lab.sh(["stat", "-c", "%a %U %F", "/run/nsrecipe"]);
    assert.equal(st.stdout.trim(), "700 root directory");
  });
});

Deno.test("--rm still undoes the run when the command is interrupted with SIGINT (Ctrl-C goes to the whole process group)", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const { selfArgv } = await import("../../src/lab/mod.ts");
    const r = await lab.sh([
      "setsid",
      "-w",
      ...selfArgv(),
      "run",
      "netns",
      "--name",
      "i1",
      "--rm",
      "--",
      "sh",
      "-c",
      "kill -INT 0; sleep 5",
    ]);
    assert.match(r.stderr, /Undone run .* \(--rm\)/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});
