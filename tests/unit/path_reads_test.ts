import assert from "node:assert/strict";
import { CommandError } from "../../src/errors.ts";
import { processes, realRunner, recordingRunner } from "../../src/exec/mod.ts";
import {
  absentSummed,
  parseStatOutput,
  readFiles,
  readFilesArgv,
  splitHeadOutput,
  statPaths,
  statPathsArgv,
} from "../../src/host/path_reads.ts";
import {
  BOOT_ID_PATH,
  OWN_NETNS_PATH,
  ownBootId,
  ownFile,
  ownNetns,
  prefetchOwnFacts,
} from "../../src/cli/process_facts.ts";
import { ownPathLook } from "../../src/cli/own_path_look.ts";

const STATUS = "Name:\thead\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n";
const BOOT = "77cf783d-1154-4f25-99e1-9c988028172e\n";

Deno.test("splitHeadOutput: each file's text between its header and the next, in order", () => {
  const out = `==> /proc/self/status <==\n${STATUS}\n==> ${BOOT_ID_PATH} <==\n${BOOT}`;
  const r = splitHeadOutput(["/proc/self/status", BOOT_ID_PATH], out, "");
  assert.deepEqual([...r], [
    ["/proc/self/status", { ok: true, value: STATUS }],
    [BOOT_ID_PATH, { ok: true, value: BOOT }],
  ]);
});

Deno.test("splitHeadOutput: a missing file among several has its reason; the others keep their text, whichever is missing", () => {
  const missing = "head: cannot open '/run/nope' for reading: No such file or directory";
  // Missing in the middle: head prints no header for it and goes on.
  const middle = splitHeadOutput(
    ["/a", "/run/nope", "/b"],
    "==> /a <==\nA1\nA2\n\n==> /b <==\nB\n",
    missing,
  );
  assert.deepEqual(middle.get("/a"), { ok: true, value: "A1\nA2\n" });
  assert.deepEqual(middle.get("/run/nope"), { ok: false, reason: "No such file or directory" });
  assert.deepEqual(middle.get("/b"), { ok: true, value: "B\n" });
  // Missing first: the next file's header is the first printed, with no blank line before it.
  const first = splitHeadOutput(["/run/nope", "/b"], "==> /b <==\nB\n", missing);
  assert.deepEqual(first.get("/run/nope"), { ok: false, reason: "No such file or directory" });
  assert.deepEqual(first.get("/b"), { ok: true, value: "B\n" });
  // An empty file, and one without a last newline, keep exactly their text.
  const edges = splitHeadOutput(["/e", "/n", "/z"], "==> /e <==\n\n==> /n <==\nno newline\n==> /z <==\n", "");
  assert.deepEqual([...edges.values()], [
    { ok: true, value: "" },
    { ok: true, value: "no newline" },
    { ok: true, value: "" },
  ]);
  // A directory: head prints its header, then fails reading it.
  const dir = splitHeadOutput(
    ["/sys/module/bridge"],
    "==> /sys/module/bridge <==\n",
    "head: error reading '/sys/module/bridge': Is a directory",
  );
  assert.deepEqual(dir.get("/sys/module/bridge"), { ok: false, reason: "Is a directory" });
});

Deno.test("parseStatOutput: device, inode and kind per path; a missing one has stat's reason", () => {
  const r = parseStatOutput(
    [OWN_NETNS_PATH, "/sys/module/veth", "/sys/module/bridge"],
    `4 4026531840 81b6 ${OWN_NETNS_PATH}\n22 8542 41ed /sys/module/bridge\n`,
    "stat: cannot statx '/sys/module/veth': No such file or directory",
  );
  assert.deepEqual(r.get(OWN_NETNS_PATH), {
    ok: true,
    value: { dev: 4, ino: 4026531840, dir: false, file: true, mode: 0o666 },
  });
  assert.deepEqual(r.get("/sys/module/bridge"), {
    ok: true,
    value: { dev: 22, ino: 8542, dir: true, file: false, mode: 0o755 },
  });
  assert.deepEqual(r.get("/sys/module/veth"), { ok: false, reason: "No such file or directory" });
});

Deno.test("readFiles and statPaths with the real head and stat: texts, kinds and reasons as GNU coreutils gives them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a`, "first\nfile\n", { mode: 0o640 });
    await Deno.chmod(`${dir}/a`, 0o640);
    await Deno.writeTextFile(`${dir}/empty`, "");
    await Deno.writeTextFile(`${dir}/b`, "==> not a header\n");
    const paths = [`${dir}/missing`, `${dir}/a`, `${dir}/empty`, `${dir}/b`, dir];
    const read = await readFiles(realRunner(), paths);
    assert.ok(read.ok);
    assert.deepEqual(paths.map((p) => read.reads.get(p)), [
      { ok: false, reason: "No such file or directory" },
      { ok: true, value: "first\nfile\n" },
      { ok: true, value: "" },
      { ok: true, value: "==> not a header\n" },
      { ok: false, reason: "Is a directory" },
    ]);
    const st = await statPaths(realRunner(), [`${dir}/a`, `${dir}/missing`, dir]);
    assert.ok(st.ok);
    const a = st.reads.get(`${dir}/a`);
    const info = await Deno.stat(`${dir}/a`);
    assert.deepEqual(a, { ok: true, value: { dev: info.dev, ino: info.ino, dir: false, file: true, mode: 0o640 } });
    assert.deepEqual(st.reads.get(`${dir}/missing`), { ok: false, reason: "No such file or directory" });
    const d = await Deno.stat(dir);
    assert.deepEqual(st.reads.get(dir), {
      ok: true,
      value: { dev: d.dev, ino: d.ino, dir: true, file: false, mode: d.mode! & 0o7777 },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readFiles: a reader that cannot start or fails as a whole is not ok, with its CommandError; odd paths are refused", async () => {
  const gone = await readFiles(recordingRunner(() => ({ code: -1, stderr: "'head' was not found in PATH" })).run, [
    "/a",
  ]);
  assert.equal(gone.ok, false);
  assert.equal(!gone.ok && gone.error.code, -1);
  const killed = await statPaths(recordingRunner(() => ({ code: 137, stderr: "" })).run, ["/a"]);
  assert.equal(!killed.ok && killed.error.code, 137);
  await assert.rejects(readFiles(recordingRunner().run, ["relative"]), /not a plain absolute path/);
  await assert.rejects(readFiles(recordingRunner().run, ["/a b"]), /not a plain absolute path/);
  await assert.rejects(statPaths(recordingRunner().run, ["/a", "/a"]), /given twice/);
  assert.deepEqual(readFilesArgv(["/a", "/b"]), ["head", "-v", "-n", "-0", "--", "/a", "/b"]);
  assert.deepEqual(statPathsArgv(["/a"]), ["stat", "-L", "-c", "%d %i %f %n", "--", "/a"]);
});

Deno.test("own facts: what is read ahead together costs one process per kind; a failed read refuses as before and is read again", async () => {
  // The module keeps its reads for the whole process: these paths are this test's own.
  const status = "/proc/self/status";
  const answers: Record<string, string> = {};
  let headFails = true;
  const { run, calls } = recordingRunner((argv) => {
    if (argv[0] === "head") {
      if (headFails) return { code: -1, stderr: "'head' was not found in PATH" };
      const files = argv.slice(5);
      const texts = files.map((f, i) => `${i ? "\n" : ""}==> ${f} <==\n${answers[f] ?? ""}`);
      return { stdout: texts.join("") };
    }
    if (argv[0] === "stat") {
      const paths = argv.slice(5);
      return {
        code: paths.includes("/sys/module/veth") ? 1 : 0,
        stdout: paths.filter((p) => p !== "/sys/module/veth").map((p, i) =>
          `4 ${4026531840 + i} ${p === OWN_NETNS_PATH ? "81b6" : "41ed"} ${p}\n`
        ).join(""),
        stderr: paths.includes("/sys/module/veth")
          ? "stat: cannot statx '/sys/module/veth': No such file or directory"
          : "",
      };
    }
    return {};
  });
  answers[BOOT_ID_PATH] = BOOT;
  answers[status] = STATUS;
  // head is missing: the boot id cannot be read, as when cat was missing (a CommandError, code -1), and a failed
  // read is not kept.
  prefetchOwnFacts(run, {
    files: [BOOT_ID_PATH, status],
    stat: [OWN_NETNS_PATH, "/sys/module/veth", "/sys/module/bridge"],
  });
  await assert.rejects(ownBootId(run), (e) => e instanceof CommandError && e.code === -1);
  assert.deepEqual(await ownPathLook(run).file(status), { ok: false, reason: "'head' was not found in PATH" });
  headFails = false;
  assert.equal(await ownBootId(run), BOOT.trim());
  assert.deepEqual(await ownFile(run, status), { ok: true, value: STATUS });
  assert.deepEqual(await ownNetns(run), { dev: 4, ino: 4026531840 });
  assert.deepEqual(await ownPathLook(run).isDir("/sys/module/bridge"), { ok: true, value: true });
  assert.deepEqual(await ownPathLook(run).isDir("/sys/module/veth"), { ok: true, value: false });
  // One stat for the three paths; one head for both files, which failed, then one for each as it was asked again
  // (the status while head was still missing, then both once it was there); nothing more however often they are
  // asked.
  await ownNetns(run);
  await ownBootId(run);
  const kinds = calls.map((c) => c.argv.slice(0, 1).concat(c.argv.slice(5)).join(" "));
  assert.deepEqual(kinds, [
    `stat ${OWN_NETNS_PATH} /sys/module/veth /sys/module/bridge`,
    `head ${BOOT_ID_PATH} ${status}`,
    `head ${status}`,
    `head ${BOOT_ID_PATH}`,
    `head ${status}`,
  ]);
});

Deno.test("--verbose sums up a reader's 'No such file or directory' lines (a program looked for along PATH): one count, other lines kept, the reads keep every reason", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nsrecipe-absent-" });
  try {
    const absent = ["a", "b", "c"].map((n) => `${dir}/${n}`);
    const present = `${dir}/here`;
    await Deno.writeTextFile(present, "x\n");
    for (const [read, program] of [[statPaths, "stat"], [readFiles, "head"]] as const) {
      const lines: string[] = [];
      const run = processes({ trace: (l) => lines.push(l) }).run;
      const got = await read(run, [...absent, present]);
      assert.ok(got.ok);
      for (const p of absent) assert.deepEqual(got.reads.get(p), { ok: false, reason: "No such file or directory" }, p);
      assert.equal(got.reads.get(present)?.ok, true, program);
      assert.equal(lines.length, 1, program);
      assert.equal(lines[0].split("\n").slice(1).join("\n"), "  (3 paths absent: No such file or directory)", program);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(
    absentSummed("stat: cannot statx '/x': No such file or directory"),
    "stat: cannot statx '/x': No such file or directory",
    "one such line is shown as it is",
  );
  assert.equal(
    absentSummed(
      "stat: cannot statx '/x': No such file or directory\nstat: cannot statx '/y': Permission denied\n" +
        "stat: cannot statx '/z': No such file or directory",
    ),
    "stat: cannot statx '/y': Permission denied\n(2 paths absent: No such file or directory)",
  );
});
