/**
 * What `status` reports about an applied run: one model that the gathering
 * (`status.ts`) fills and the rendering (`status_view.ts`) shows; the text and
 * `--json` carry the same fields.
 *
 * @module
 */

import type { StepEntry } from "./json_fields.ts";

/** One step of a run as `status NAME` shows it: its entry as every `--json` document names it, and its state. */
export interface StepStatus extends StepEntry {
  /** Where it stands in the journal: `done`, `undone`, `planned`, … */
  state: string;
  /** For a step handed over by an earlier run's undo: that run's id (`index` is in its plan). */
  from?: string;
  /** For a handed-over step: the name of the run it came from (undone since). */
  fromLabel?: string;
  /**
   * For a step an interrupted undo recorded `subsumed` (`state` is then
   * `done`: its effect is still there): the object whose deletion, not yet
   * done, takes it along, e.g. `netns:vb`.
   */
  goesWith?: string;
  /** For a done step found no longer in effect on the host: what is wrong (as its line in {@link RunStatus.drift}). */
  drift?: string;
  /**
   * For a done step found no longer in effect because its effect was in an object the run made that is gone (a
   * namespace deleted by hand: the links, addresses and routes in it): the step that made that object (1-based, as
   * `step`).
   */
  goneWithStep?: number;
}

/**
 * A run's confirmation window as `status` (and `run`) report it: still open,
 * past its deadline with its revert due or under way, expired without a
 * revert, its revert cut short, or confirmed. A run applied without a window,
 * or whose window ended in a revert, has none.
 */
export interface Confirmation {
  /**
   * `waiting`: not yet confirmed, the deadline ahead; `reverting`: the deadline passed, the run is still applied and
   * its watchdog is alive: the revert is due (held a few seconds for a `nsrecipe confirm` started by the deadline) or
   * under way; `expired`: the deadline passed and the run is still applied, NOT reverted: its watchdog is gone or
   * stopped, or its revert failed; `interrupted`: the revert began (journal: `confirm-expired`) and stopped before its
   * end (the watchdog was killed), {@link Confirmation.undone} of {@link Confirmation.done} steps undone;
   * `confirmed`: kept, since {@link Confirmation.at}.
   */
  state: "waiting" | "reverting" | "expired" | "interrupted" | "confirmed";
  /** The deadline, ISO 8601 UTC (as every time in `--json`). */
  deadline: string;
  /** Whole seconds until the deadline: 0 once passed; `null` when `confirmed` (the deadline no longer counts). */
  inSeconds: number | null;
  /**
   * For `reverting`: who reverts it and when (or how far it got); for `expired`: why it was not reverted; for
   * `interrupted`: how far the revert got and what completes it.
   */
  why?: string;
  /** For `interrupted`: steps the cut-short revert undid. */
  undone?: number;
  /** For `interrupted`: steps that were done when the revert began (undone ones included). */
  done?: number;
  /** For `confirmed`: when, ISO 8601 UTC (absent when the journal did not record it). */
  at?: string;
  /** For `confirmed`: how: `prompt-yes` (yes typed at `run`'s prompt) or `command` (`nsrecipe confirm`). */
  how?: "prompt-yes" | "command";
}

/** One applied run as `status` reports it (the text and `--json` show the same fields). */
export interface RunStatus {
  /** Run id, e.g. `20261130T201500-1a2b` (named `run` in every `--json` document). */
  run: string;
  /** Recipe name. */
  recipe: string;
  /** The run's name (`undo NAME`): the netns name, or the recipe's. */
  label: string;
  /** The journal's state: `applied`, `applying` (interrupted), `incomplete`. */
  state: string;
  /** The state as `status` names it (see status_view.ts `stateOf`). */
  shown: string;
  /** The run is from before a reboot: its objects are gone. */
  stale: boolean;
  /** Set when the run was recorded in another network namespace: not checked here, and undo will not act on it here. */
  elsewhere?: true;
  /** ISO 8601 time the run began. */
  startedAt: string;
  /** The run's network namespace, if it made one. */
  netns?: string;
  /** Set when the namespace the run made is not on the host (its step found not in effect: deleted by hand). */
  netnsGone?: true;
  /**
   * Global addresses inside the namespace (CIDR), besides `lo`'s: read from
   * the namespace when {@link RunStatus.look} is `deep`; when `quick` (its
   * inside not read), those the run's done steps added there, as the journal
   * records them, unless the name is now another namespace than the one the
   * run made (then read from it, as deep).
   */
  addresses: string[];
  /** The bridge its veth is enslaved to, with the bridge's global addresses (CIDR). */
  bridge?: { name: string; addresses: string[] };
  /**
   * Processes inside the namespace now (one `lsns` scan, else `ip netns pids`); absent without a live namespace, and
   * in the quick look for one made after its scan.
   */
  processes?: number;
  /** Objects this run made (its undo removes them), inherited ones included. */
  owns: string[];
  /** Objects that existed before and this run changed (its undo puts them back), e.g. full-migrate's uplink. */
  changes: string[];
  /** Objects it relies on and leaves alone, neither owned nor changed. */
  uses: string[];
  /** Every step of the plan and where it stands. */
  steps: StepStatus[];
  /**
   * Set when an undo of the run began and recorded no end (killed, or still at
   * work): the steps it reverted and those recorded subsumed but still in
   * effect (0-based indexes, as {@link StepStatus.index}), and those still applied.
   */
  undo?: { interrupted: true; reverted: number[]; inEffect: number[]; applied: number[] };
  /**
   * The confirmation window: open, past its deadline with its revert due or under way, expired without a revert,
   * its revert cut short, or confirmed; absent otherwise.
   */
  confirmation?: Confirmation;
  /** Done steps whose effect is no longer on the host (deleted or changed by hand…). */
  drift: string[];
  /**
   * How the run was checked (see `status_look.ts`): `deep`, every done step
   * read back (one snapshot of the host and of each namespace, and any other
   * read a step needs); `quick`, against one snapshot of the host only (and
   * each namespace's `/run/netns` entry and identity, and the inside of a
   * namespace that is no longer the one its run made): what that cannot show
   * is listed in {@link RunStatus.unchecked}.
   */
  look: "deep" | "quick";
  /**
   * What was not checked, one line each (a done step's summary, or `links put
   * in 'NS' outside nsrecipe`): nothing was found wrong with it, nor was it
   * read. `[]` when every done step was checked.
   */
  unchecked: string[];
  /**
   * Things to know besides drift: the run was interrupted (killed while
   * applying), is from before a reboot, has steps whose undo failed, or has
   * journal records undo will not act on.
   */
  notes: string[];
}
