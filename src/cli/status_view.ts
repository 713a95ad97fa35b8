/**
 * How `status` shows runs to a human: an aligned table with a header (as
 * `ip -br`, `docker ps` and `machinectl list` do) and, for `status NAME`,
 * the details. Pure: it formats a {@link RunStatus} and never reads the host,
 * so what is gathered (status.ts) and how it is shown change apart.
 *
 * @module
 */
import { localDateTime, momentOf } from "./clock.ts";
import type { Confirmation, RunStatus } from "./status_model.ts";

/**
 * The state a run is in, as `status` names it: `waiting for confirmation`,
 * `confirmation expired, reverting` (its watchdog is alive: the revert is due
 * or under way), `confirmation expired, NOT reverted` (nobody is at work on
 * it, or its revert failed), `interrupted, partly reverted` (the
 * revert of an expired window was cut short after undoing some steps; `…, not
 * reverted` before the first), `interrupted` (nsrecipe was killed while
 * applying), `from before reboot`, `in another network namespace`
 * (recorded elsewhere: a lab's journal, a shared state directory), `undo interrupted` (an undo began
 * and was cut short, see `RunStatus.undo`), `undo incomplete`, `drift`
 * (a done step's effect is no longer on the host), `applied (partly checked)`
 * (nothing wrong in what was checked, and some steps were not: the quick
 * look, see `status_look.ts`) or `applied` (every done step checked and in
 * effect).
 * @param s The run (`unchecked` absent counts as `[]`).
 * @returns One short phrase.
 */
export function stateOf(
  s:
    & Pick<RunStatus, "state" | "stale" | "elsewhere" | "drift" | "confirmation">
    & Partial<Pick<RunStatus, "undo">>
    & { unchecked?: readonly string[] },
): string {
  if (s.stale) return "from before reboot";
  if (s.elsewhere) return "in another network namespace";
  if (s.confirmation?.state === "waiting") return "waiting for confirmation";
  if (s.confirmation?.state === "reverting") return "confirmation expired, reverting";
  if (s.confirmation?.state === "expired") return "confirmation expired, NOT reverted";
  if (s.confirmation?.state === "interrupted") {
    return s.confirmation.undone ? "interrupted, partly reverted" : "interrupted, not reverted";
  }
  if (s.state === "applying") return "interrupted";
  if (s.undo) return "undo interrupted";
  if (s.state === "incomplete") return "undo incomplete";
  if (s.drift.length > 0) return "drift";
  if ((s.unchecked?.length ?? 0) > 0) return "applied (partly checked)";
  return "applied";
}

/**
 * The line `status` adds below a table when the quick look left steps
 * unchecked, saying what was checked and how to check the rest.
 * @param namespaces How many live namespaces the runs have.
 * @param asked Whether `--quick` asked for it (else the table chose it, beyond `limit` namespaces).
 * @param limit The most live namespaces the table looks deep into.
 * @returns One line.
 */
export function quickNote(namespaces: number, asked: boolean, limit: number): string {
  const why = asked ? "--quick" : `${namespaces} namespaces, more than ${limit}`;
  return `quick look (${why}): 'applied (partly checked)' means that the journal, each namespace's /run/netns ` +
    "entry and identity, and what is on the host were checked from one read of the host, not the inside of the " +
    "namespaces (ADDRESS is as the journal records it) nor what needs a read of its own (sysctls); " +
    "'nsrecipe status --deep' or 'nsrecipe status NAME' checks every step";
}

/**
 * The sentence about a run's confirmation window, for the notes of `status`
 * and `status NAME`.
 * @param label The run's name, for `nsrecipe confirm NAME`.
 * @param c The window.
 * @param now The current time, ms since the epoch: a deadline or confirmation on another day is given with its date.
 * @returns e.g. `waiting for confirmation, reverts at 14:03:27 (in 95 s); 'nsrecipe confirm web' keeps it`.
 */
export function confirmationNote(label: string, c: Confirmation, now: number): string {
  const at = momentOf(Date.parse(c.deadline), now);
  return c.state === "confirmed"
    ? confirmedNote(c, now)
    : c.state === "waiting"
    ? `waiting for confirmation, reverts at ${at} (in ${c.inSeconds} s); 'nsrecipe confirm ${label}' keeps it`
    : c.state === "reverting"
    ? `confirmation expired at ${at}, reverting: ${c.why}`
    : c.state === "interrupted"
    ? `confirmation expired at ${at}, revert interrupted: ${c.why}`
    : `confirmation expired at ${at}, NOT reverted: ${c.why}`;
}

/**
 * A duration for humans, coarse as an admin reads it.
 * @param ms Milliseconds (negative counts as 0).
 * @returns e.g. `12 s`, `3 min`, `2 h 5 min`, `4 d 3 h`.
 */
export function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/**
 * Lays out rows under a header, each column as wide as its widest cell,
 * two spaces apart; the last column is not padded.
 * @param header Column titles.
 * @param rows Cells, one array per row, as many as the header.
 * @returns The lines, header first.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  return [header, ...rows].map((cells) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd()
  );
}

/** The table's columns. */
export const STATUS_HEADER = ["NAME", "RECIPE", "STATE", "ADDRESS", "BRIDGE", "AGE", "PROCESSES"] as const;

/**
 * The `status` table: one row per applied run, newest first.
 * @param runs The runs.
 * @param now The current time in ms since the epoch (for AGE).
 * @returns The lines, header first; `-` where a column does not apply.
 */
export function statusTable(runs: readonly RunStatus[], now: number): string[] {
  return table(
    STATUS_HEADER,
    runs.map((s) => [
      s.label,
      s.recipe,
      stateOf(s),
      s.addresses.join(",") || "-",
      s.bridge ? `${s.bridge.name}${s.bridge.addresses.length ? ` ${s.bridge.addresses.join(",")}` : ""}` : "-",
      humanAge(now - Date.parse(s.startedAt)),
      s.processes === undefined ? "-" : String(s.processes),
    ]),
  );
}

/**
 * `status NAME`: everything about one run.
 * @param s The run.
 * @param now The current time in ms since the epoch.
 * @returns The lines.
 */
export function statusDetails(s: RunStatus, now: number): string[] {
  const list = (xs: readonly string[]) => xs.join(", ") || "-";
  const lines = [
    `Run ${s.run}: ${s.recipe} ${s.label}`,
    `  state:      ${stateOf(s)}`,
    `  started:    ${localDateTime(Date.parse(s.startedAt), true)} (${humanAge(now - Date.parse(s.startedAt))} ago)`,
  ];
  if (s.netns) {
    lines.push(
      s.netnsGone
        ? `  namespace:  ${s.netns}, not on the host (see drift)`
        : `  namespace:  ${s.netns}, addresses ${list(s.addresses)}, ${s.processes ?? 0} processes inside`,
    );
  }
  if (s.bridge) lines.push(`  bridge:     ${s.bridge.name} ${list(s.bridge.addresses)}`);
  lines.push(
    `  owns:       ${list(s.owns)}   (made by this run${
      s.steps.some((st) => st.from) ? " or handed over to it" : ""
    }; undo removes them)`,
    `  changes:    ${list(s.changes)}   (existing objects this run changed; undo puts them back)`,
    `  uses:       ${list(s.uses)}   (relied on, left as they are)`,
    "  steps:",
    ...s.steps.map((st) =>
      st.from
        ? `     -  ${st.summary}  [${st.state}, handed over from run ${st.from}${
          st.fromLabel ? ` (${st.fromLabel}, undone)` : ""
        }]`
        : `    ${String(st.index + 1).padStart(2)}. ${st.summary}  [${st.state}${goesWith(st.goesWith)}${
          st.drift !== undefined
            ? "; not in effect: see drift"
            : st.goneWithStep !== undefined
            ? `; gone with step ${st.goneWithStep}`
            : ""
        }]`
    ),
  );
  for (const d of s.drift) lines.push(`  drift:      ${d}`);
  for (const u of s.unchecked) lines.push(`  unchecked:  ${u}`);
  for (const n of s.notes) lines.push(`  note:       ${n}`);
  return lines;
}

/** `, undo goes with netns 'vb'` for a step waiting on its object's deletion; `""` otherwise. */
function goesWith(object: string | undefined): string {
  if (object === undefined) return "";
  const [type, ...name] = object.split(":");
  return `; recorded undone, but goes with ${type} '${name.join(":")}', not deleted yet`;
}

/**
 * The note of `status` about a confirmed run: when and how it was confirmed.
 * @param c The window, confirmed: `how` (`prompt-yes` or `command`) and `at` (ISO 8601; absent: unknown).
 * @param now The current time, ms since the epoch: a confirmation on another day is given with its date.
 * @returns e.g. `confirmed at 14:03:27 (yes typed at the prompt)`, `confirmed at 2026-11-29 14:03:27 (…)`.
 */
export function confirmedNote(c: Pick<Confirmation, "at" | "how">, now: number): string {
  const when = c.at ? ` at ${momentOf(Date.parse(c.at), now)}` : "";
  return `confirmed${when} (${c.how === "prompt-yes" ? "yes typed at the prompt" : "nsrecipe confirm"})`;
}
