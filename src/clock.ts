/**
 * Times as admins read them in messages, one format everywhere: a time of
 * day is local `HH:MM:SS` (the host's time zone, as `date` shows it); a
 * date and time, where a day may differ, is local `YYYY-MM-DD HH:MM:SS`,
 * with the zone's name where a time stands on its own (`status NAME`); an
 * age or a span is `18 s`, `3 min`, `2 h 5 min` (see `status_view.ts`).
 * Never UTC ISO 8601 with milliseconds, which the journal keeps for machines
 * (`--json`).
 *
 * @module
 */

const pad = (n: number) => String(n).padStart(2, "0");

/**
 * A time of day as admins read it on this host: local `HH:MM:SS`.
 * @param ms Milliseconds since the epoch.
 * @returns e.g. `14:03:27`.
 */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * A date and time on this host: local `YYYY-MM-DD HH:MM:SS`, optionally
 * followed by the time zone's short name.
 * @param ms Milliseconds since the epoch.
 * @param withZone Whether to add the zone, e.g. ` UTC`, ` GMT+1`.
 * @returns e.g. `2026-11-30 21:13:34` or `2026-11-30 21:13:34 UTC`.
 */
export function localDateTime(ms: number, withZone = false): string {
  const d = new Date(ms);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${clockTime(ms)}${withZone ? ` ${zoneName(ms)}` : ""}`;
}

/**
 * A past moment as a sentence states it: its time of day when it fell on the
 * same local day as `now`, else its local date and time (where a day may
 * differ, the date is said).
 * @param ms The moment, milliseconds since the epoch.
 * @param now The current time, milliseconds since the epoch.
 * @returns e.g. `14:03:27` (today) or `2026-11-29 14:03:27`.
 */
export function momentOf(ms: number, now: number): string {
  const day = (t: number) => localDateTime(t).slice(0, 10);
  return day(ms) === day(now) ? clockTime(ms) : localDateTime(ms);
}

/**
 * The host's time zone at an instant, as a short name (Intl, `en-US`).
 * @param ms Milliseconds since the epoch.
 * @returns e.g. `UTC`, `GMT+1`, `EST`.
 */
export function zoneName(ms: number): string {
  const parts = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" }).formatToParts(new Date(ms));
  return parts.find((p) => p.type === "timeZoneName")?.value ?? "";
}
