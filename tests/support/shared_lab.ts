/**
 * Sharing one lab between test cases, when it is proven clean.
 *
 * Starting a lab costs a few hundred ms; a loop of several hundred cases pays
 * it every time. A case may instead hand its lab to the next one, but only
 * when what it leaves behind is, by measurement, the lab as it was built:
 *
 * - the lab host's snapshot (links, addresses, routes of every table, named
 *   netns) equals the one taken when the lab was new;
 * - the other state a recipe can change equals its value when new: the
 *   forwarding sysctls, the nftables ruleset, the mount table, the files under
 *   `/run` (the state directory aside), and no process is left in the lab
 *   (PID 1 has no living children: a process orphaned in the lab is
 *   re-parented to it, pid_namespaces(7); zombies are left out, since the
 *   lab's PID 1 does not reap them and a dead process holds nothing, e.g. the
 *   `kill` that the fault hook's SIGKILL leaves behind);
 * - the journal reads without problems and no run in it is open (each has
 *   ended `undone`, `rolled-back` or `stale`), so nothing the case made is
 *   still the journal's responsibility.
 *
 * A case may end what it knowingly leaves before the check, by PID (e.g.
 * `endWatchdogs` in `reliability.ts`: full-migrate's confirm watchdog sleeps
 * on after undo until its deadline); the check then proves the rest.
 *
 * Then the state directory is removed, and the next case starts from a lab
 * equal to a fresh one in everything the tests can observe. A case that
 * throws, or leaves anything else, gets its lab stopped; the next one gets a
 * fresh lab. The comparison, not the case's own assertions, is what proves
 * the lab clean.
 *
 * A case that must leave the lab host as it found it (a kill or fail case:
 * undo restores the host) says so (`use`'s `sameHost`): the same comparison
 * then fails the case, with the snapshots' difference, when the host differs,
 * so the case need not take a snapshot of its own to compare at its end.
 *
 * Use:
 *
 * ```ts
 * Deno.test("every point", (t) =>
 *   withSharedLab(async (labs) => {
 *     for (const k of points) {
 *       await t.step(`point ${k}`, () =>
 *         labs.use(async (lab, clean) => {
 *           // `clean` is the lab host's snapshot now: no need to take a "before".
 *           await lab.nsrecipe(["run", ...]);
 *           assertSameHost(await lab.snapshot(), clean, "run and undo");
 *         }));
 *     }
 *   }));
 * ```
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Snapshot } from "../../src/host/mod.ts";
import { DEFAULT_STATE_DIR, foldRuns, isOpen } from "../../src/journal/mod.ts";
import { parseJournal } from "./journal_text.ts";
import type { LabSpec } from "../../src/lab/mod.ts";
import { LAB_INIT_COMMAND } from "../../src/lab/defaults.ts";
import { boundedUse, TestLab } from "./lab.ts";
import { assertSameHost } from "./reliability.ts";

/**
 * Everything of a lab that must be as when it was new before the lab may be
 * reused. `snapshot` is the lab host's; `other` is the rest, as text (see
 * {@link labOtherState}).
 */
export interface LabState {
  /** The lab host's snapshot. */
  snapshot: Snapshot;
  /** Mount points, files under `/run`, living children of the lab's PID 1. */
  other: string;
}

/**
 * A lab's state besides its snapshot, one labelled section each, read from
 * the host's procfs without starting a process (see `TestLab.file`,
 * `TestLab.orphans`):
 *
 * - `# mounts`: each mount's point, type and source, from the mountinfo of
 *   the lab's PID 1 (proc(5): fields 5, and the two after the `-`);
 * - `# run`: every path under `/run`, sorted, the state directory left out
 *   (it is reset between cases, and the journal is checked on its own);
 * - `# processes`: the lab PIDs of the living children of the lab's PID 1
 *   (`nsrecipe lab`'s init, the child of its reaper PID 1, left out).
 *
 * The forwarding switches and the nftables ruleset that a recipe may change
 * are in the snapshot: `net.ipv4.conf.all.forwarding` is the very value
 * `/proc/sys/net/ipv4/ip_forward` reads and writes (the kernel's
 * `ip_forward` entry points at the `all` device configuration's forwarding,
 * net/ipv4/devinet.c), `net.ipv6.conf.all.forwarding` is there as is, and
 * the snapshot's `nftables` is `nft list ruleset`.
 * @param lab The lab.
 * @returns The text.
 */
export async function labOtherState(lab: TestLab): Promise<string> {
  const mountinfo = await Deno.readTextFile(`/proc/${lab.pid}/mountinfo`);
  const mounts = mountinfo.split("\n").filter(Boolean).map((line) => {
    const fields = line.split(" ");
    const rest = fields.slice(fields.indexOf("-") + 1);
    return `${fields[4]} ${rest[0]} ${rest[1]}`;
  });
  const run: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(lab.file(dir))) {
      const path = `${dir}/${e.name}`;
      if (path === DEFAULT_STATE_DIR) continue;
      run.push(path);
      if (e.isDirectory) await walk(path);
    }
  };
  await walk("/run");
  // `nsrecipe lab`'s own init is the child of its reaper PID 1 (LAB_REAPER): part of the lab, not an orphan.
  const living = (await lab.orphans()).filter((p) => p.state !== "Z" && !p.argv.includes(LAB_INIT_COMMAND))
    .map((p) => String(p.labPid));
  return ["# mounts", ...mounts, "# run", ...run.sort(), "# processes", ...living].join("\n");
}

/**
 * Reads a lab's state.
 * @param lab The lab.
 * @returns Its state.
 */
export async function labState(lab: TestLab): Promise<LabState> {
  const [snapshot, other] = await Promise.all([lab.snapshot(), labOtherState(lab)]);
  return { snapshot, other };
}

/**
 * Why a lab is not clean enough to reuse.
 * @param lab The lab after a case.
 * @param clean Its state when new.
 * @param sameHost When given, a lab host that differs from the clean one is
 *   the case's failure, not only a reason: what the case did, for the message.
 * @returns `undefined` when clean (equal state, journal closed), else the first reason.
 * @throws {assert.AssertionError} With `sameHost`, when the host's snapshot differs from the clean one (the
 *   difference in the message, see `assertSameHost`).
 */
export async function dirtyReason(lab: TestLab, clean: LabState, sameHost?: string): Promise<string | undefined> {
  const [now, journal] = await Promise.all([labState(lab), lab.readFile(`${DEFAULT_STATE_DIR}/journal.jsonl`)]);
  if (sameHost !== undefined) assertSameHost(now.snapshot, clean.snapshot, sameHost);
  try {
    assert.deepEqual(now, clean);
  } catch {
    return "its state differs from when it was new";
  }
  if (journal === undefined) return undefined; // no journal: nothing is open
  const parsed = parseJournal(journal);
  if (parsed.problems.length > 0) return "its journal has problems";
  const { runs, orphanProblems } = foldRuns(parsed);
  if (orphanProblems.length > 0) return "its journal has records tied to no run";
  const open = runs.filter(isOpen).map((r) => `${r.id} (${r.state})`);
  return open.length > 0 ? `its journal has open runs: ${open.join(", ")}` : undefined;
}

/**
 * Lends a lab to one case after another, reusing it while it is proven clean
 * (see the module doc). Stop it with {@link SharedLab.close}, or use
 * {@link withSharedLab}.
 */
export class SharedLab {
  private lab: TestLab | undefined;
  private clean: LabState | undefined;
  /** How many labs were started (for the report of a loop). */
  started = 0;
  /** How many cases reused a lab. */
  reused = 0;

  /**
   * @param spec Lab overrides, the same for every lab lent.
   */
  constructor(readonly spec: Partial<LabSpec> = {}) {}

  /**
   * Runs one case with a clean lab: the previous case's if it left it clean,
   * else a fresh one.
   * @param fn The case; `clean` is the lab host's snapshot as it is now, equal to a new lab's.
   * @param sameHost When given, the case must leave the lab host as it found it: the snapshot the check
   *   after it takes must equal `clean`, or the case fails with their difference, named by this text
   *   (e.g. `netns fail@step:2, once the case ended`).
   * @returns What `fn` returns.
   * @throws Whatever `fn` throws, and with `sameHost` an `AssertionError` for a host that differs (the lab
   *   is then stopped).
   */
  async use<T>(fn: (lab: TestLab, clean: Snapshot) => Promise<T>, sameHost?: string): Promise<T> {
    if (!this.lab || !this.clean) {
      this.lab = await TestLab.start(this.spec);
      this.started++;
      this.clean = await labState(this.lab);
    } else {
      this.reused++;
    }
    const lab = this.lab;
    let result: T;
    try {
      const clean = this.clean.snapshot;
      result = await boundedUse(lab, (l) => fn(l, clean));
    } catch (e) {
      await this.close();
      throw e;
    }
    let dirty: string | undefined;
    try {
      dirty = await dirtyReason(lab, this.clean, sameHost);
    } catch (e) {
      await this.close();
      throw e;
    }
    if (dirty !== undefined) {
      await this.close();
    } else {
      await Deno.remove(lab.file(DEFAULT_STATE_DIR), { recursive: true }).catch(async (e) => {
        if (!(e instanceof Deno.errors.NotFound)) await this.close();
      });
    }
    return result;
  }

  /** Stops the lab held, if any. */
  async close(): Promise<void> {
    const lab = this.lab;
    this.lab = undefined;
    this.clean = undefined;
    await lab?.stop();
  }
}

/**
 * Runs a function with a {@link SharedLab} and always stops its lab.
 * Deno's resource sanitizer requires the lab to end within the test that
 * started it: share within one `Deno.test` (its `t.step`s), not across tests.
 * @param fn The test body.
 * @param spec Lab overrides.
 * @returns What `fn` returns.
 */
export async function withSharedLab<T>(
  fn: (labs: SharedLab) => Promise<T>,
  spec: Partial<LabSpec> = {},
): Promise<T> {
  const labs = new SharedLab(spec);
  try {
    return await fn(labs);
  } finally {
    await labs.close();
  }
}
