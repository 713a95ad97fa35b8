import assert from "node:assert/strict";
import { PreconditionError, UsageError } from "../../src/errors.ts";
import { ensureStateDir, hostLockPath, hostStampNow, Journal, journalStampNow } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";

async function withTemp(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "nsrecipe-store-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ensureStateDir: a missing directory is created with mode 0700", () =>
  withTemp((t) => {
    ensureStateDir(`${t}/state`);
    assert.equal(Deno.statSync(`${t}/state`).mode! & 0o777, 0o700);
  }));

Deno.test("ensureStateDir: a relative path is a usage error", () => {
  assert.throws(() => ensureStateDir("run/nsrecipe"), UsageError);
});

Deno.test("ensureStateDir: a symlink, a symlinked parent, a file, a group- or world-writable directory are refused", () =>
  withTemp((t) => {
    Deno.mkdirSync(`${t}/real`, { mode: 0o700 });
    Deno.symlinkSync(`${t}/real`, `${t}/link`);
    assert.throws(
      () => ensureStateDir(`${t}/link`),
      (e) => e instanceof PreconditionError && /symbolic link/.test(e.message),
    );
    Deno.mkdirSync(`${t}/real/inner`, { mode: 0o700 });
    assert.throws(() => ensureStateDir(`${t}/link/inner`), /lies behind a symbolic link/);
    Deno.writeTextFileSync(`${t}/file`, "");
    assert.throws(() => ensureStateDir(`${t}/file`), /is not a directory/);
    for (const mode of [0o777, 0o770, 0o707, 0o1777]) {
      Deno.mkdirSync(`${t}/m${mode}`);
      Deno.chmodSync(`${t}/m${mode}`, mode);
      assert.throws(() => ensureStateDir(`${t}/m${mode}`), /writable by group or others/, mode.toString(8));
    }
  }));

Deno.test("Journal.open: refuses a journal or lock file that is a symlink, and leaves its target alone", () =>
  withTemp(async (t) => {
    Deno.mkdirSync(`${t}/s`, { mode: 0o700 });
    Deno.writeTextFileSync(`${t}/target`, "precious\n");
    Deno.symlinkSync(`${t}/target`, `${t}/s/journal.jsonl`);
    await assert.rejects(
      Journal.open(`${t}/s`),
      /journal.jsonl' is a symbolic link; nsrecipe refuses to write through it/,
    );
    Deno.removeSync(`${t}/s/journal.jsonl`);
    Deno.symlinkSync(`${t}/target`, `${t}/s/lock`);
    await assert.rejects(Journal.open(`${t}/s`), /lock' is a symbolic link/);
    assert.equal(Deno.readTextFileSync(`${t}/target`), "precious\n");
  }));

Deno.test("Journal.open: a torn last record is cut off and reported; the next record starts on its own line", () =>
  withTemp(async (t) => {
    const good = JSON.stringify({ v: 1, at: "", kind: "run-end", run: "r1", state: "undone" });
    Deno.mkdirSync(`${t}/s`, { mode: 0o700 });
    Deno.writeTextFileSync(`${t}/s/journal.jsonl`, `${good}\n{"v":1,"kind":"step-in`);
    const j = await Journal.open(`${t}/s`);
    try {
      assert.match(j.repaired, /last record was incomplete .* removed: "\{\\"v\\":1,\\"kind\\":\\"step-in"/);
      await j.append({ kind: "run-end", run: "r2", state: "undone" });
    } finally {
      j.close();
    }
    const p = parseJournal(Deno.readTextFileSync(`${t}/s/journal.jsonl`));
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.records.map((r) => r.run), ["r1", "r2"]);
  }));

Deno.test("Journal.open: a torn record longer than a read chunk (100 KiB) after a long history is cut off at its own start", () =>
  withTemp(async (t) => {
    const rec = (run: string) => JSON.stringify({ v: 1, at: "", kind: "run-end", run, state: "undone" });
    const history = Array.from({ length: 2000 }, (_, i) => `${rec(`r${i}`)}\n`).join("");
    const torn = `{"v":1,"kind":"run-begin","params":{"x":"${"y".repeat(100 * 1024)}`;
    Deno.mkdirSync(`${t}/s`, { mode: 0o700 });
    Deno.writeTextFileSync(`${t}/s/journal.jsonl`, history + torn);
    const j = await Journal.open(`${t}/s`);
    try {
      assert.equal(j.bytes, new TextEncoder().encode(history).length);
      assert.match(j.repaired, /removed: "\{\\"v\\":1,\\"kind\\":\\"run-begin\\",\\"params\\":\{\\"x\\":\\"yyy/);
      await j.append({ kind: "run-end", run: "last", state: "undone" });
    } finally {
      j.close();
    }
    const p = parseJournal(Deno.readTextFileSync(`${t}/s/journal.jsonl`));
    assert.deepEqual(p.problems, []);
    assert.equal(p.records.length, 2001);
    assert.deepEqual(p.records.slice(-2).map((r) => r.run), ["r1999", "last"]);
  }));

Deno.test("Journal.open: a journal without a newline (its only record torn) is emptied; a complete one is kept whole", () =>
  withTemp(async (t) => {
    Deno.mkdirSync(`${t}/s`, { mode: 0o700 });
    Deno.writeTextFileSync(`${t}/s/journal.jsonl`, `{"v":1,"kind":"run-be`);
    let j = await Journal.open(`${t}/s`);
    j.close();
    assert.equal(j.bytes, 0);
    assert.match(j.repaired, /removed: "\{\\"v\\":1,\\"kind\\":\\"run-be"/);
    assert.equal(Deno.readTextFileSync(`${t}/s/journal.jsonl`), "");
    const whole = `${JSON.stringify({ v: 1, at: "", kind: "run-end", run: "r1", state: "undone" })}\n`;
    Deno.writeTextFileSync(`${t}/s/journal.jsonl`, whole);
    j = await Journal.open(`${t}/s`);
    j.close();
    assert.equal(j.repaired, "");
    assert.equal(j.bytes, whole.length);
    assert.equal(Deno.readTextFileSync(`${t}/s/journal.jsonl`), whole);
  }));

Deno.test("Journal.open: a second opener waits for the lock (and says so) until the first closes", () =>
  withTemp(async (t) => {
    const first = await Journal.open(`${t}/s`);
    let released = false;
    let noticed!: (line: string) => void;
    const notice = new Promise<string>((r) => noticed = r);
    const second = Journal.open(`${t}/s`, (l) => noticed(l)).then((j) => {
      assert.ok(released, "the second open returned while the first still held the lock");
      return j;
    });
    const firstEvent = await Promise.race([notice, second.then(() => "opened")]);
    assert.match(firstEvent, /^Waiting for another nsrecipe process to finish \(lock '.*\/lock'\)/);
    released = true;
    first.close();
    (await second).close();
  }));

Deno.test("Journal.open: with a host lock, an opener of another state directory waits (and says so) until the first closes", () =>
  withTemp(async (t) => {
    const host = `${t}/h/host-4-4026531840.lock`;
    const first = await Journal.open(`${t}/s1`, () => {}, host);
    let released = false;
    let noticed!: (line: string) => void;
    const notice = new Promise<string>((r) => noticed = r);
    const second = Journal.open(`${t}/s2`, (l) => noticed(l), host).then((j) => {
      assert.ok(released, "the second open returned while the first still held the host lock");
      return j;
    });
    const firstEvent = await Promise.race([notice, second.then(() => "opened")]);
    assert.equal(
      firstEvent,
      `Waiting for another nsrecipe process to finish (host lock '${host}', any state directory)...`,
    );
    released = true;
    first.close();
    (await second).close();
  }));

Deno.test("Journal.close: the host stamp moves by one when the process recorded something, not when it only read", () =>
  withTemp(async (t) => {
    const host = `${t}/h/host.lock`;
    assert.equal(hostStampNow(host), 0, "no lock file yet");
    const reader = await Journal.open(`${t}/s1`, () => {}, host);
    assert.equal(reader.hostStamp, 0);
    await reader.read();
    reader.close();
    assert.equal(hostStampNow(host), 0, "a process that recorded nothing leaves the stamp");
    const writer = await Journal.open(`${t}/s2`, () => {}, host);
    await writer.append({ kind: "run-end", run: "r1", state: "undone" });
    writer.close();
    assert.equal(hostStampNow(host), 1);
    const next = await Journal.open(`${t}/s1`, () => {}, host);
    assert.equal(next.hostStamp, 1, "the next holder sees the moved stamp");
    next.close();
    assert.equal(Deno.statSync(host).mode! & 0o777, 0o600);
  }));

Deno.test("hostLockPath: one file per network namespace, in the default state directory", () => {
  assert.equal(hostLockPath({ dev: 4, ino: 4026531840 }), "/run/nsrecipe/host-4-4026531840.lock");
  assert.notEqual(hostLockPath({ dev: 4, ino: 4026532001 }), hostLockPath({ dev: 4, ino: 4026531840 }));
});

/** A modification time no write of the test makes. */
const AT_LATER = "2030-01-01T00:00:00.000Z";

Deno.test("journalStampNow: equal while the journal is untouched; another after an append, after a rewrite of the same length, for another file in its place; undefined without a journal", () =>
  withTemp((t) => {
    const path = `${t}/journal.jsonl`;
    assert.equal(journalStampNow(t), undefined);
    Deno.writeTextFileSync(path, '{"a":1}\n');
    const first = journalStampNow(t)!;
    assert.equal(first.bytes, 8);
    assert.deepEqual(journalStampNow(t), first);
    Deno.writeTextFileSync(path, '{"b":2}\n', { append: true });
    const appended = journalStampNow(t)!;
    assert.deepEqual([appended.bytes, appended.stamp === first.stamp], [16, false]);
    // Cut and written again to the same length: its modification time tells (set apart here, as a later write is).
    Deno.writeTextFileSync(path, '{"c":3}\n{"d":4}\n');
    Deno.utimeSync(path, new Date(0), new Date(Date.parse(AT_LATER)));
    assert.notEqual(journalStampNow(t)!.stamp, appended.stamp);
    const rewritten = journalStampNow(t)!;
    // Another file renamed over it, same length and time: its inode tells.
    Deno.writeTextFileSync(`${t}/other`, '{"e":5}\n{"f":6}\n');
    Deno.utimeSync(`${t}/other`, new Date(0), new Date(Date.parse(AT_LATER)));
    Deno.renameSync(`${t}/other`, path);
    const replaced = journalStampNow(t)!;
    assert.equal(replaced.bytes, rewritten.bytes);
    assert.notEqual(replaced.stamp, rewritten.stamp);
  }));
