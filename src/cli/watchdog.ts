/**
 * The confirm-or-revert watchdog: started by `run --confirm` before the
 * first step (see watchdog_launch.ts for how it outlives the session), it
 * sleeps until the deadline `run` announced, then undoes the run unless it
 * was confirmed (by a `nsrecipe confirm` started by the deadline: it holds
 * back a few seconds for one still starting up, and for as long as one is
 * on its way, see `revertHeldUntil`). Its input is the journal, read without the lock while it
 * waits (no reader delays it, and it delays no one); at the deadline it holds
 * in memory what it needs, so it reverts whatever happens to the state
 * directory, and writes what it could not record as soon as it can.
 *
 * @module
 */
import { DeferringJournal, expireRun, type UndoReport, watchdogDecision, writeDeferred } from "../engine/mod.ts";
import { NsrecipeError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import {
  foldRuns,
  isOpen,
  type Journal,
  JOURNAL_FILE,
  type ParsedJournal,
  parseJournal,
  readJournal,
} from "../journal/mod.ts";
import { raiseAlarm } from "./alarm.ts";
import { liveConfirmIntents } from "./confirm_intents.ts";
import { clockTime } from "./clock.ts";
import { engineDeps, type GlobalOptions, openJournal, runnerFor } from "./composition_root.ts";
import type { Output } from "./output.ts";

/** How often records the journal could not take are tried again, in ms. */
const RETRY_WRITE_MS = 2000;

/** How long the watchdog keeps trying to write them before it gives up (and says so), in ms. */
const RETRY_WRITE_FOR_MS = 60 * 60 * 1000;

/** How often the watchdog reads the journal into memory while it waits, in ms. */
const REFRESH_MS = 1000;

/** How often the watchdog reads the journal while a switch it guards is still under way and it cannot lock, in ms. */
const SETTLE_POLL_MS = 500;

const sleepUntil = (t: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));

/**
 * The watchdog.
 *
 * @param runId The run.
 * @param provisional A deadline in ms since the epoch, until `run` records the real one.
 * @param g Global options (the state directory).
 * @param out The output (stdio is closed when detached).
 * @returns 0 when the run was kept, closed or reverted (and recorded); 5 when it could not be reverted or its
 *   revert could not be recorded (the alarm was raised).
 */
export async function watchdogCommand(
  runId: string,
  provisional: number,
  g: GlobalOptions,
  out: Output,
): Promise<number> {
  const run = runnerFor(out);
  const log = (line: string) => out.progress(line);
  const path = `${g.stateDir}/${JOURNAL_FILE}`;
  let memory: ParsedJournal = { records: [], lines: [], problems: [] };
  let unreadable = "";
  const find = (parsed: ParsedJournal) => foldRuns(parsed).runs.find((r) => r.id === runId);
  const held = new HeldJournal(g.stateDir);
  const refresh = async () => {
    try {
      memory = await held.read();
      unreadable = "";
    } catch (e) {
      if (!(e instanceof NsrecipeError) && !(e instanceof Deno.errors.PermissionDenied)) throw e;
      unreadable = e.message; // keep what was read last
    }
  };
  let deadline = provisional;
  let journal: Journal | undefined;
  let openFailure = "";
  let alarmed = 0; // when it first said it cannot read the journal (ms since the epoch)
  for (;;) {
    // While it waits it keeps the journal in memory, fresh to the second: if the state directory breaks (or
    // becomes one nsrecipe refuses to read), it still knows what to revert.
    while (Date.now() < deadline) {
      await refresh();
      // A run confirmed or closed (undone) meanwhile needs no watchdog: it ends at once instead of at the deadline.
      const r = find(memory);
      if (r && watchdogDecision(r, Date.now(), false).kind === "done") return 0;
      await sleepUntil(Math.min(deadline, Date.now() + REFRESH_MS));
    }
    await refresh();
    if (unreadable && !find(memory)) {
      // It never saw its run: it cannot know what to revert. Loud, and it tries again.
      if (!alarmed) {
        await raiseAlarm(run, `nsrecipe: the watchdog of run ${runId} cannot read the journal: ${unreadable}`, log);
        alarmed = Date.now();
      } else if (Date.now() - alarmed > RETRY_WRITE_FOR_MS) {
        await raiseAlarm(
          run,
          `nsrecipe: the watchdog of run ${runId} gives up: ${unreadable}; see 'nsrecipe status'`,
          log,
        );
        return 5;
      }
      deadline = Date.now() + RETRY_WRITE_MS;
      continue;
    }
    // Past the deadline, a confirm started by it that is on its way holds the revert back (revertHeldUntil).
    const seen = watchdogDecision(find(memory), Date.now(), false, await liveConfirmIntents(g.stateDir, run));
    if (seen.kind === "done") return 0;
    if (seen.kind === "wait") {
      deadline = seen.until;
      continue;
    }
    // The deadline passed, or the switch is still under way: take the lock (a switch holds it until its
    // window is recorded) and decide on what the journal says then.
    try {
      journal = await openJournal(g.stateDir, run);
    } catch (e) {
      if (!(e instanceof NsrecipeError)) throw e;
      openFailure = e.message;
    }
    if (!journal) {
      if (seen.kind === "settle" && !unreadable) {
        deadline = Date.now() + SETTLE_POLL_MS;
        continue;
      }
      break; // revert from memory
    }
    const locked = watchdogDecision(
      find(await journal.read()),
      Date.now(),
      true,
      await liveConfirmIntents(g.stateDir, run),
    );
    if (locked.kind === "revert") break;
    journal.close();
    journal = undefined;
    if (locked.kind === "done") return 0;
    if (locked.kind === "wait") deadline = locked.until;
  }
  held.close();
  const label = find(memory)?.label ?? runId;
  const due = find(memory)?.confirm?.deadline;
  const what = `run ${runId} (${label})${due ? `, not confirmed by ${clockTime(due)},` : ""}`;
  const deferring = new DeferringJournal(journal, memory, path, openFailure || unreadable);
  let result: Awaited<ReturnType<typeof expireRun>>;
  try {
    result = await expireRun(runId, await engineDeps(deferring, run, out));
  } catch (e) {
    if (!(e instanceof NsrecipeError)) throw e;
    journal?.close();
    await raiseAlarm(
      run,
      `nsrecipe: ${what} was NOT reverted: ${e.message.replaceAll("\n", " ")}. See 'nsrecipe status'.`,
      log,
    );
    if (deferring.pending.length > 0) await writeLater(g, runId, deferring, run, log);
    return e.exitCode;
  }
  journal?.close();
  log(describe(runId, result));
  if (deferring.pending.length === 0) return 0;
  await raiseAlarm(
    run,
    `nsrecipe: ${what} was reverted, but the journal ${path} could not record it (${deferring.reason}); ` +
      `nsrecipe keeps trying to record it.`,
    log,
  );
  return await writeLater(g, runId, deferring, run, log) ? 0 : 5;
}

function describe(runId: string, result: "kept" | "closed" | UndoReport): string {
  return typeof result === "string" ? `Run ${runId}: ${result}` : `Run ${runId} was not confirmed: undone`;
}

/**
 * Writes the records the journal could not take, retrying until it can or a
 * bound passes (then raises the alarm again).
 * @returns Whether they were written (or dropped because another process closed the run meanwhile).
 */
async function writeLater(
  g: GlobalOptions,
  runId: string,
  deferring: DeferringJournal,
  run: Runner,
  log: (line: string) => void,
): Promise<boolean> {
  const until = Date.now() + RETRY_WRITE_FOR_MS;
  let reason = deferring.reason;
  for (;;) {
    try {
      const journal = await openJournal(g.stateDir, run);
      try {
        const now = foldRuns(await journal.read()).runs.find((r) => r.id === runId);
        const how = await writeDeferred(journal, runId, deferring.pending, now !== undefined && isOpen(now));
        log(`Run ${runId}: the records kept in memory were ${how} (${g.stateDir}).`);
        return true;
      } finally {
        journal.close();
      }
    } catch (e) {
      if (!(e instanceof NsrecipeError)) throw e;
      reason = e.message;
    }
    if (Date.now() > until) {
      await raiseAlarm(
        run,
        `nsrecipe: gave up recording the revert of run ${runId} in ${g.stateDir} (${reason}); ` +
          `'nsrecipe status' may show it as applied although it was reverted.`,
        log,
      );
      return false;
    }
    await sleepUntil(Date.now() + RETRY_WRITE_MS);
  }
}

/**
 * The journal as the watchdog reads it while it waits: first through
 * `readJournal` (which checks the state directory as every reader does),
 * then through the descriptor it opened then. A descriptor keeps reading the
 * same file (inode) whatever later happens to the directory: remounted
 * read-only, or made group-writable (the journal itself stays mode 0600, so
 * nobody else can write into the file the watchdog holds; a file put in its
 * place is not the one it reads). One exception: a compaction
 * (`journal/compaction.ts`) renames a new journal over the one held, which
 * then grows no more; a file in the journal's place that the checks of
 * `readJournal` accept is then held instead (one `lstat` per read tells).
 * Exported for its tests.
 */
export class HeldJournal {
  private file: Deno.FsFile | undefined;

  constructor(private readonly dir: string) {}

  /**
   * Reads the whole journal.
   * @returns Its complete records.
   * @throws {PreconditionError} While nothing is held yet and the directory is unfit.
   */
  async read(): Promise<ParsedJournal> {
    if (!this.file) {
      const checked = await readJournal(this.dir);
      try {
        this.file = await Deno.open(`${this.dir}/${JOURNAL_FILE}`, { read: true });
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      return checked;
    }
    // A compaction (journal/compaction.ts) puts another file in the journal's place, and the one held becomes an
    // archive segment that grows no more: the journal is held anew. Only a journal that can still be read by its
    // name replaces the one held (a state directory gone or refused keeps what is held).
    if (await this.replaced()) {
      const held = this.file;
      this.file = undefined;
      try {
        const fresh = await this.read();
        held.close();
        return fresh;
      } catch (e) {
        // Refused by its name (e.g. the directory made group-writable since): the file held stays the one read.
        if (!(e instanceof NsrecipeError) && !(e instanceof Deno.errors.PermissionDenied)) throw e;
        this.file = held;
      }
    }
    await this.file.seek(0, Deno.SeekMode.Start);
    const decoder = new TextDecoder();
    const buf = new Uint8Array(64 * 1024);
    let text = "";
    for (;;) {
      const n = await this.file.read(buf);
      if (n === null) break;
      text += decoder.decode(buf.subarray(0, n), { stream: true });
    }
    text += decoder.decode();
    return await parseJournal(text.slice(0, text.lastIndexOf("\n") + 1));
  }

  /** Whether the journal's name now names a file other than the one held. */
  private async replaced(): Promise<boolean> {
    let named: Deno.FileInfo;
    try {
      named = await Deno.lstat(`${this.dir}/${JOURNAL_FILE}`);
    } catch {
      return false;
    }
    const held = await this.file!.stat();
    return named.isFile && (named.ino !== held.ino || named.dev !== held.dev);
  }

  /** Lets go of the descriptor. */
  close(): void {
    this.file?.close();
    this.file = undefined;
  }
}
