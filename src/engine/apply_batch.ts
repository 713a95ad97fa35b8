/**
 * Applying consecutive steps that are plain `ip` commands in one namespace as
 * one `ip [-n NS] -batch -` (ip(8)), with the guarantees of one step at a
 * time: every prior state is captured (the reads are shared: the host links
 * the steps name in one process, other lists once each), every intent record
 * is on disk (one fdatasync) before the batch runs, the batch runs, every
 * effect is checked (one look: the host links the steps name, and the routes
 * when the lines change routes, or the batch's netns whole, read by the
 * batch's own process after its lines; another named netns the steps act in
 * whole in one process), and the done records are written (one fdatasync).
 *
 * The look goes in the batch's last process, after its lines, as `ip [-n NS]
 * -json -details -batch -` (`withReads` in `ip_batch.ts`): `-json` and
 * `-details` change no line that writes (they print nothing), and without
 * `-force` a line that fails still stops the batch, so a failed change
 * stops it before any read, and a read that fails (a link found gone) comes
 * after every change ran. The links a step moves away (`link-set-netns`)
 * are read last: their absence is the one failure expected. Reads that did
 * not answer (the batch stopped at one, its output not as expected) are
 * read afterwards on their own, as before. Either way the look is of the
 * host after every line ran and before any check, the moment the separate
 * look used to see.
 * The batch's text, however long (1,000 routes moved are 2,000 lines), goes to
 * one `ip` in writes of whole lines of at most 4096 bytes (PIPE_BUF, the
 * runner's `lineChunks`): a write that size reaches a pipe whole or not at all
 * (pipe(7)), so nsrecipe killed while writing never leaves `ip` a line cut
 * short, which it would run.
 *
 * iproute2 stops a batch at the first line that fails: ip(8), `-batch
 * FILENAME`: "Read commands from provided file or standard input and invoke
 * them. First failure will cause termination of ip" (unless `-force`, "Don't
 * terminate ip on errors in batch mode", which nsrecipe never passes). It
 * prints the kernel's message and `Command failed -:N`, N the 1-based line,
 * and exits 1 (`ip_batch.ts`). So after a failure the steps before line N are
 * done, N's step failed (it changed something only when an earlier line of
 * its own ran), and the rest never ran: the journal says exactly that, and
 * the steps that may have taken effect are rolled back.
 * A kill in the middle leaves the intents of the whole batch and no done
 * record: undo checks each step (`StepKind.isReverted`, true for a step that
 * never ran) and reverts those that took effect.
 *
 * The prior states are read before any line of the batch runs. That is the
 * state each step would have captured on its own: the steps batched are
 * plain `ip` changes of distinct objects (an address, a route, a neighbour
 * entry, a rule, a link's master), and none changes what another one
 * captures except by removing it, after which that step's own line fails
 * just as it would have alone.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import { hintFor } from "../exec/mod.ts";
import {
  type Identities,
  IpReader,
  NamedLinksReader,
  observeIdentities,
  readCache,
  type SeenLinks,
} from "../host/mod.ts";
import type { Runner } from "../exec/mod.ts";
import { kindOf, refsOf, type Step, type StepContext } from "../steps/mod.ts";
import { appendAll, type EngineDeps } from "./deps.ts";
import { InjectedFault } from "./faults.ts";
import { stepLine } from "./step_line.ts";
import { PollingLook } from "./polling_look.ts";
import { batchLine, batchMessage, batchNetns, failedLine, readAnswers, withReads } from "./ip_batch.ts";
import type { RevertItem } from "./revert.ts";

/**
 * The batch a step's commands can go in: `ip` plus its namespace and family
 * options, as one string (`ip -n web`); `undefined` when the step must run on
 * its own (its kind applies itself, `StepKind.apply`, or a command is not
 * `ip` or needs quoting). A step whose check waits for the kernel (carrier,
 * duplicate address detection) is batched too: its check runs after the
 * batch, polling as it would alone. `ip netns add` goes in the batch of `ip`:
 * iproute2 switches back to the namespace it started in after each line that
 * entered another (`netns_restore`, ip/ipnetns.c), so the lines after it act
 * on the host, as separate processes would.
 * @param step The step.
 * @returns The key, e.g. `ip` or `ip -n web`.
 * @example
 * ```ts ignore
 * applyBatchKey({ kind: "addr-add", dev: "eth0", netns: "web", address: "10.200.0.2/24" }); // "ip -n web"
 * applyBatchKey({ kind: "netns-add", netns: "web" }); // "ip"
 * applyBatchKey({ kind: "sysctl-set", key: "net.ipv4.ip_forward", value: "1" }); // undefined: not `ip`
 * ```
 */
export function applyBatchKey(step: Step): string | undefined {
  const kind = kindOf(step);
  if (kind.apply) return undefined;
  const lines = kind.commands(step).map(batchLine);
  if (lines.length === 0 || lines.some((l) => l === undefined)) return undefined;
  const keys = new Set(lines.map((l) => l!.batch.join(" ")));
  return keys.size === 1 ? [...keys][0] : undefined;
}

/**
 * Splits a plan into what runs together: each maximal run of consecutive
 * steps with the same {@link applyBatchKey}, every other step alone. Pure.
 * @param steps The plan's steps.
 * @returns Groups of step indexes, in plan order, covering every index once;
 *   e.g. `[[0], [1, 2, 3], [4]]`.
 * @example
 * ```ts ignore
 * // veth-bridge: the host's side in one `ip -batch -`, the namespace's in one `ip -n NAME -batch -`.
 * applyGroups(plan.steps); // [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11]]
 * ```
 */
export function applyGroups(steps: readonly Step[]): number[][] {
  const groups: number[][] = [];
  let lastKey: string | undefined;
  for (const [i, step] of steps.entries()) {
    const key = applyBatchKey(step);
    if (key !== undefined && key === lastKey) groups.at(-1)!.push(i);
    else groups.push([i]);
    lastKey = key;
  }
  return groups;
}

/** Why a batch stopped: the step (its position in the batch) and what went wrong. */
interface Stop {
  /** Position in the batch of the step that failed. */
  at: number;
  /** iproute2's message or the fault's, or what the check found. */
  reason: string;
  /** The step's own command that failed, for the error shown. */
  command?: CommandError;
  /** Whether the step may have changed something (its line ran, or a later line of it failed). */
  touched: boolean;
}

/** A failed batched step, for `apply.ts` to roll back and report. */
export interface BatchFailure {
  /** The step's index in the plan. */
  index: number;
  /** What went wrong. */
  reason: string;
  /** The step's own command that failed. */
  command?: CommandError;
}

/**
 * Applies a group of batchable steps (see {@link applyGroups}; a step alone
 * in a named netns too, for its look to share its process):
 * captures every prior state from one read of each object kind, writes every
 * intent with one fdatasync, runs the lines as one `ip [-n NS] -batch -`
 * (one more for each armed `in-batch` fault point), the last one reading
 * the look at the host after its lines (see the module's documentation),
 * checks every effect against that look, writes every done record
 * with one fdatasync. Pushes each step onto `touched` when its intent is
 * recorded, marks it done when recorded done, and on failure leaves in
 * `touched` exactly the steps that may have changed the host.
 *
 * A failing line is found from iproute2's `Command failed -:N` (ip(8): the
 * first failure terminates the batch; without `-force` no later line runs):
 * the steps of lines before N are done, N's step failed, the rest never ran.
 *
 * @param run The run id.
 * @param group Plan indexes, consecutive, sharing one batch key.
 * @param steps The plan's steps.
 * @param touched Steps with a write-ahead record that may have taken effect; updated.
 * @param known Identities recorded so far; updated.
 * @param deps Engine dependencies.
 * @param seen The host's links and addresses as a look taken since the
 *   host's last change gave them (`RunRequest.seen`, for the first batch):
 *   the prior states and identities of the links the steps name are read
 *   from them.
 * @returns `undefined` when every step is done, else the failure (its
 *   `step-failed` record is not yet written: the caller does, then rolls back).
 * @throws {JournalWriteError} When an intent or done record cannot be written.
 * @example
 * ```ts ignore
 * const failure = await applyBatch(run, [6, 7], steps, touched, known, deps);
 * // e.g. { index: 7, reason: "Error: argument \"br9\" is wrong: Device does not exist", command }
 * ```
 */
export async function applyBatch(
  run: string,
  group: readonly number[],
  steps: readonly Step[],
  touched: RevertItem[],
  known: Identities,
  deps: EngineDeps,
  seen?: SeenLinks,
): Promise<BatchFailure | undefined> {
  const { journal, ctx, log } = deps;
  const key = applyBatchKey(steps[group[0]])!;
  // Prior states and identities of the whole batch, from one look (the host links they name read together).
  const routes = changeRoutes(group.map((i) => steps[i]));
  const prior = lookCtx(
    ctx,
    new NamedLinksReader(ctx.run, hostLinksOf(group.map((i) => steps[i])), seen, routes),
    readCache(ctx.run).cached,
  );
  const items: RevertItem[] = [];
  const intents = [];
  for (const index of group) {
    const step = steps[index];
    const kind = kindOf(step);
    let captured: unknown;
    let before: Identities | undefined;
    try {
      captured = kind.capture ? await kind.capture(step, prior) : undefined;
      before = await identify(step, known, prior);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      return { index, reason: e.stderr || e.message, command: e };
    }
    intents.push({
      kind: "step-intent" as const,
      run,
      index,
      ...(captured === undefined ? {} : { captured }),
      ...(before ? { identities: before } : {}),
    });
    items.push({ run, index, step, captured, done: false, identities: known });
  }
  await appendAll(journal, intents);
  touched.push(...items);

  let stop: Stop | undefined;
  // Each step's fault points before the batch: a `fail` cuts the batch before that step.
  let cut = group.length;
  for (const [at, index] of group.entries()) {
    try {
      await deps.fault("after-intent", index);
      await deps.fault("step", index);
    } catch (e) {
      if (!(e instanceof InjectedFault)) throw e;
      stop = { at, reason: e.message, touched: true };
      cut = at;
      break;
    }
  }
  // The batch, split only where a test armed an `in-batch` point.
  const words = group.map((i) => kindOf(steps[i]).commands(steps[i]).map((a) => batchLine(a)!.words.join(" ")));
  let ran = 0;
  // Steps of the group that may have changed the host: every one that ran, and the one that failed when a line of it ran.
  let reached = 0;
  // The look that checks the batch, when its reads ran in the batch's last process, after its changes.
  let tailLook: NamedLinksReader | undefined;
  while (ran < cut) {
    let end = ran + 1;
    while (end < cut && !deps.fault.armed?.("in-batch", group[end - 1])) end++;
    const lines = words.slice(ran, end);
    const flat = lines.flat();
    // The last part (the whole batch but where a test armed an `in-batch` point) reads what checks the whole batch in
    // the same process, after its changes.
    const tail = end === cut
      ? new NamedLinksReader(ctx.run, hostLinksOf(group.slice(0, cut).map((i) => steps[i])))
      : undefined;
    const gone = movedAway(group.slice(0, cut).map((i) => steps[i]));
    const reads = tail?.batchReads(batchNetns(key), gone, routes);
    const call = withReads(key, flat, reads?.lines);
    let result;
    try {
      result = await ctx.run(call.argv, {
        stdin: call.stdin,
        okCodes: [0, 1],
        traceStderr: (stderr) => expectedFailureNoted(stderr, flat.length, reads?.lines ?? [], gone),
      });
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      // Killed (timed out) or not started: which lines ran is unknown; every step of this process may have.
      stop = { at: ran, reason: e.stderr || e.message, command: e, touched: true };
      reached = end;
      break;
    }
    // The line iproute2 names (the first when it names none: the batch did not start).
    const failedAt = result.code === 0 ? undefined : failedLine(result.stderr) ?? 1;
    if (failedAt !== undefined && (call.reads === 0 || failedAt <= flat.length)) {
      const failed = Math.min(failedAt, flat.length);
      const message = batchMessage(result.stderr) || `'${key} -batch -' exited with ${result.code}`;
      let line = 0;
      let n = 0;
      while (failed > line + lines[n].length) line += lines[n++].length;
      const step = steps[group[ran + n]];
      const argv = kindOf(step).commands(step)[failed - line - 1];
      stop = {
        at: ran + n,
        reason: message,
        command: new CommandError(argv, result.code, message, hintFor(argv, message)),
        touched: failed > line + 1,
      };
      ran += n;
      reached = ran + (stop.touched ? 1 : 0);
      break;
    }
    // Every change ran; the reads answered up to the one that failed, if one did (a link found gone).
    const answered = call.reads > 0 ? readAnswers(result.stdout, failedAt, flat.length, call.reads) : undefined;
    if (tail && reads && answered) {
      reads.accept(answered, failedAt === undefined ? undefined : batchMessage(result.stderr));
      tailLook = tail;
    }
    ran = reached = end;
    if (ran < cut) await deps.fault("in-batch", group[ran - 1]);
  }
  // A `fail` before step `cut`: that step is kept, as a step alone whose fault point failed is.
  if (stop && stop.at === cut && ran === cut && stop.touched) reached = cut + 1;
  // The steps after `reached` never ran.
  touched.length -= items.length - reached;

  // Each step that ran: its after-command point, then one look checks them all, in order.
  const after = readCache(ctx.run);
  const look = tailLook ??
    new NamedLinksReader(
      ctx.run,
      hostLinksOf(group.slice(0, ran).map((i) => steps[i])),
      undefined,
      routes,
    );
  // Each netns the steps act in, whole (one process each; none for the one the batch's own reads looked at).
  await Promise.all(namedNetnsOf(group.slice(0, ran).map((i) => steps[i])).map((ns) => look.prefetch(ns)));
  const checkCtx = lookCtx(ctx, look, after.cached);
  const done = [];
  let ok = 0;
  for (; ok < ran; ok++) {
    const index = group[ok];
    const step = steps[index];
    try {
      await deps.fault("after-command", index);
      const wrong = await kindOf(step).verify(step, lookCtx(ctx, new PollingLook(ctx.run, look), pollingReader(after)));
      if (wrong) {
        stop = { at: ok, reason: `the command succeeded but ${wrong}`, touched: true };
        break;
      }
      const made = await identify(step, known, checkCtx);
      done.push({ kind: "step-done" as const, run, index, ...(made ? { identities: made } : {}) });
    } catch (e) {
      if (e instanceof InjectedFault) stop = { at: ok, reason: e.message, touched: true };
      else if (e instanceof CommandError) stop = { at: ok, reason: e.stderr || e.message, command: e, touched: true };
      else throw e;
      break;
    }
  }
  await appendAll(journal, done);
  for (const item of items.slice(0, ok)) item.done = true;
  // Said once done, not before the batch: see stepLine.
  for (const index of group.slice(0, ok)) log(stepLine(index, steps.length, steps[index]));
  for (const index of group.slice(0, ok)) await deps.fault("after-done", index);
  if (!stop) return undefined;
  return { index: group[stop.at], reason: stop.reason, command: stop.command };
}

/**
 * A reader for one step's check over a shared look at the host: the first
 * read of each thing is answered from the look (one process for every step
 * that reads it), a repeat of it within the check is read afresh, since a
 * check that repeats a read is polling for a change (an IPv6 address's DAD
 * and its local route, `waitAddrUsable`).
 * @param look The batch's shared reads.
 * @returns The runner for one step's check.
 */
function pollingReader(look: ReturnType<typeof readCache>): Runner {
  const asked = new Set<string>();
  return (argv, opts = {}) => {
    const key = JSON.stringify([argv, opts.stdin ?? null]);
    if (asked.has(key)) return look.fresh(argv, opts);
    asked.add(key);
    return look.cached(argv, opts);
  };
}

/**
 * The named network namespaces some steps act in (their `netns` field: where
 * a link, address or route is, or where a link is moved to).
 * @param steps The steps.
 * @returns Each name once, e.g. `["web"]`.
 */
function namedNetnsOf(steps: readonly Step[]): string[] {
  const names = steps.map((s) => "netns" in s ? s.netns : undefined);
  return [...new Set(names.filter((n): n is string => typeof n === "string"))];
}

/**
 * Whether some steps change the routes their checks (and captures) read: a
 * route, or an IPv6 address (its `local` route is how its check sees it
 * usable, `waitAddrUsable`). A look for them reads the host's routes with
 * the links then, in the same process; otherwise a host with a full routing
 * table is not read whole for nothing.
 * @param steps The steps.
 * @returns `true` when a command of one is `ip [-n NS] [-4|-6] route …` or an IPv6 `ip … addr …`.
 */
export function changeRoutes(steps: readonly Step[]): boolean {
  return steps.some((s) =>
    kindOf(s).commands(s).some((argv) => {
      const words = batchLine(argv)?.words ?? [];
      return words[0] === "route" || (words[0] === "addr" && words.some((w) => w.includes(":") && w.includes("/")));
    })
  );
}

/**
 * A batch's stderr for the `--verbose` trace, with a word when its failed
 * line is the read that checks a link moved away is gone (`batchReads`'
 * `gone`, read last: iproute2 stops there with `Device "NAME" does not
 * exist.` once every change ran), so that the trace does not read as an
 * error of a run that succeeded.
 * @param stderr The batch's stderr.
 * @param changes How many lines of the batch are changes (the reads follow them).
 * @param reads The read lines, in order.
 * @param gone The links the batch moves away.
 * @returns `stderr`, with `(expected: …)` after it when that is the case.
 */
export function expectedFailureNoted(
  stderr: string,
  changes: number,
  reads: readonly string[],
  gone: ReadonlySet<string>,
): string {
  const at = failedLine(stderr);
  const name = at === undefined ? undefined : /^addr show dev (\S+)$/.exec(reads[at - changes - 1] ?? "")?.[1];
  if (name === undefined || !gone.has(name) || !stderr.includes(`Device "${name}" does not exist.`)) return stderr;
  return `${stderr.trimEnd()}\n(expected: '${name}' was moved out of this namespace, and this read checks it is gone)`;
}

/**
 * The host links some steps move into a named netns (`link-set-netns`, the
 * only kind that takes a link away from the host while applying): once
 * they ran, the host has no link of that name.
 * @param steps The steps.
 * @returns Link names, e.g. `["p-1a2b3c4d"]`.
 */
function movedAway(steps: readonly Step[]): Set<string> {
  return new Set(steps.flatMap((s) => s.kind === "link-set-netns" ? [s.dev] : []));
}

/**
 * The host links some steps name (the links they act on, make or enslave to,
 * a veth's peer before it moves): a batch's look reads these by name, in one
 * process, not the host's whole list (a crowded host's thousands of links).
 * @param steps The steps.
 * @returns Link names, e.g. `["veth-web", "p-1a2b3c4d", "br0"]`.
 */
export function hostLinksOf(steps: readonly Step[]): string[] {
  const names: string[] = [];
  for (const step of steps) {
    for (const ref of refsOf(step)) if (ref.startsWith("link:")) names.push(ref.slice("link:".length));
    const fields = step as { netns?: unknown; dev?: unknown; peer?: unknown; master?: unknown };
    // A step in a named netns names its links there; a link moved into one (`link-set-netns`) starts on the host.
    const onHost = fields.netns === undefined || step.kind === "link-set-netns";
    for (const name of [onHost ? fields.dev : undefined, fields.peer, fields.master]) {
      if (typeof name === "string") names.push(name);
    }
  }
  return names;
}

/**
 * The step context reading through a look at the host: `ip` questions
 * answered by `ip`, any other command (a sysctl) through `run`.
 * @param ctx The step context.
 * @param ip The reader.
 * @param run The runner for other reads (a {@link readCache} side).
 * @returns A copy of `ctx`.
 */
function lookCtx(ctx: StepContext, ip: IpReader, run: Runner): StepContext {
  return { ...ctx, run, ip };
}

/**
 * The step context with reads going through `run` (a {@link readCache} side).
 * @param ctx The step context.
 * @param run The runner its reads (and `ip`) go through.
 * @returns A copy of `ctx` with `run` and an {@link IpReader} over it.
 */
export function readingCtx(ctx: StepContext, run: Runner): StepContext {
  return { ...ctx, run, ip: new IpReader(run) };
}

/**
 * The identities of the step's named objects that exist now and that
 * `known` lacks; adds them to `known`.
 * @param step The step.
 * @param known Identities recorded so far; updated.
 * @param ctx Where to read them.
 * @returns The new ones, `undefined` when there are none.
 */
export async function identify(step: Step, known: Identities, ctx: StepContext): Promise<Identities | undefined> {
  const keys = refsOf(step).filter((k) => !(k in known));
  if (keys.length === 0) return undefined;
  const found = await observeIdentities(ctx.ip, keys);
  if (Object.keys(found).length === 0) return undefined;
  Object.assign(known, found);
  return found;
}
