import assert from "node:assert/strict";
import { selfArgv } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";

/** Runs nsrecipe on a pseudo-terminal (script(1)), typing `input` at it. */
function onTty(lab: TestLab, args: string[], input: string) {
  const cmd = [...selfArgv(), ...args].map((a) => `'${a}'`).join(" ");
  return lab.sh(["script", "-qec", cmd, "/dev/null"], input);
}

async function kinds(lab: TestLab): Promise<string[]> {
  return (JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records as { kind: string }[]).map((r) =>
    r.kind
  );
}

Deno.test("full-migrate on a TTY asks for confirmation; typing yes keeps the change", async () => {
  await withLab(async (lab) => {
    const r = await onTty(
      lab,
      ["run", "full-migrate", "--name", "t", "--address", "198.51.100.50/24", "--", "true"],
      "yes\n",
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Keep this change\? Type 'yes' within 120 s \(anything else undoes it now\)/);
    assert.match(r.stdout, /Confirmed run .* \(t\): it stays/);
    assert.ok((await kinds(lab)).includes("run-confirmed"));
    assert.match((await lab.sh(["ip", "-br", "link", "show", "dev", "br0"])).stdout, /br0/);
  });
});

Deno.test("on a TTY, no answer within --confirm: the run is reverted and run exits 4", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await onTty(lab, [
      "run",
      "full-migrate",
      "--name",
      "t",
      "--address",
      "198.51.100.50/24",
      "--confirm",
      "1",
      "--",
      "true",
    ], "");
    assert.match(r.stdout, /No answer in time: undoing run .* now/);
    assert.match(r.stdout, /Run .* was undone\./);
    assert.equal(r.code, 4);
    await waitFor("the run to be closed", async () => (await kinds(lab)).at(-1) === "run-end");
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("on a TTY, an answer other than yes (a stray Enter too) undoes the run at once", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await onTty(
      lab,
      ["run", "full-migrate", "--name", "t", "--address", "198.51.100.50/24", "--", "true"],
      "\n",
    );
    assert.equal(r.code, 4, r.stdout);
    assert.match(r.stdout, /Not confirmed: undoing run .* now/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});
