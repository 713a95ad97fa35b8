import assert from "node:assert/strict";
import { PARAM_FILE_MAX_BYTES, readParamFile } from "../../src/cli/param_file.ts";
import { UsageError } from "../../src/errors.ts";
import { realRunner } from "../../src/exec/mod.ts";

const run = realRunner();

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("readParamFile reads a regular file, also through a symbolic link", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/p.yaml`, "name: web\n");
    await Deno.symlink(`${dir}/p.yaml`, `${dir}/link.yaml`);
    assert.equal(await readParamFile(run, `${dir}/p.yaml`), "name: web\n");
    assert.equal(await readParamFile(run, `${dir}/link.yaml`), "name: web\n");
  });
});

Deno.test("readParamFile accepts exactly 64 KiB and refuses one byte more, stating the limit", async () => {
  assert.equal(PARAM_FILE_MAX_BYTES, 65536);
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/max.yaml`, "#".repeat(65536));
    assert.equal((await readParamFile(run, `${dir}/max.yaml`)).length, 65536);
    await Deno.writeTextFile(`${dir}/big.yaml`, "#".repeat(65537));
    await assert.rejects(
      () => readParamFile(run, `${dir}/big.yaml`),
      (e) =>
        e instanceof UsageError &&
        e.message === `Cannot read '${dir}/big.yaml': larger than the limit of 65536 bytes (64 KiB)`,
    );
  });
});

for (const path of ["/dev/zero", "/dev/urandom", "/dev/null", "/tmp"]) {
  Deno.test(`readParamFile refuses ${path}: not a regular file, nothing read`, async () => {
    await assert.rejects(
      () => readParamFile(run, path),
      (e) =>
        e instanceof UsageError &&
        e.message === `Cannot read '${path}': not a regular file (a FIFO, device, socket or directory)`,
    );
  });
}

Deno.test("readParamFile refuses a FIFO at once instead of waiting for a writer", async () => {
  await withTempDir(async (dir) => {
    const made = await run(["mkfifo", `${dir}/fifo`]);
    assert.equal(made.code, 0);
    await assert.rejects(
      () => readParamFile(run, `${dir}/fifo`),
      (e) => e instanceof UsageError && /not a regular file/.test(e.message),
    );
  });
});

Deno.test("readParamFile says a missing file does not exist, with the path escaped", async () => {
  await assert.rejects(
    () => readParamFile(run, "/nonexistent/a\u202eb.yaml"),
    (e) => e instanceof UsageError && e.message === "Cannot read '/nonexistent/a\\u{202e}b.yaml': no such file",
  );
});

Deno.test("readParamFile refuses a symbolic link to /dev/zero: the target must be a regular file", async () => {
  await withTempDir(async (dir) => {
    await Deno.symlink("/dev/zero", `${dir}/zero.yaml`);
    await assert.rejects(
      () => readParamFile(run, `${dir}/zero.yaml`),
      (e) => e instanceof UsageError && /not a regular file/.test(e.message),
    );
  });
});
