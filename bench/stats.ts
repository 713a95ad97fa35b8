/**
 * The bench's arithmetic and its table: pure, so it can be unit-tested.
 *
 * @module
 */

/** One line of the bench table: a timed ratio, or a count of lost probes. */
export type Row =
  | {
    /** What is measured against what. */
    measure: string;
    /** Median of the measured side, ms. */
    a: number;
    /** Median of the yardstick, ms. */
    b: number;
    /** Median of the pairwise ratios a/b (or a/b of the medians where runs are not paired). */
    ratio: number;
    /** The ratio issue 8 requires ("this issue must reach"). */
    must: number;
    /** The ratio aimed for ("beyond"). */
    aim: number;
  }
  | {
    /** What is measured. */
    measure: string;
    /** Lost probes: one count per probe direction. */
    lost: number[];
  }
  | {
    /** What is measured against what. */
    measure: string;
    /** Median of the measured side, ms. */
    a: number;
    /** Median of the yardstick, ms. */
    b: number;
    /** Median of the pairwise ratios a/b. */
    ratio: number;
    /** The most the measured side may take beyond the yardstick, ms (issue 12: "well under a second beyond"). */
    beyondMust: number;
  }
  | {
    /** What is measured against what. */
    measure: string;
    /** Median CPU time of the measured side, ms: the process and every process it started. */
    cpuA: number;
    /** Median CPU time of the yardstick, ms. */
    cpuB: number;
    /** Median of the pairwise ratios cpuA/cpuB; no target: it shows where a command's CPU goes. */
    ratio: number;
  }
  | {
    /** What is measured against what, per item (a run of `undo --all`). */
    measure: string;
    /** The measured side divided by the items it handled, ms. */
    each: number;
    /** Median of the yardstick, ms: one command handling one item. */
    b: number;
  }
  | {
    /** What lower bound is measured against which yardstick. */
    measure: string;
    /** Median of the lower bound, ms: what any implementation on this stack costs at least. */
    floor: number;
    /** Median of the yardstick, ms. */
    b: number;
    /** Median of the pairwise ratios floor/b: a row's target below this cannot be met on this stack. */
    ratio: number;
  };

/**
 * The median of some numbers.
 * @param xs At least one number.
 * @returns The middle value (mean of the two middle ones for an even count).
 * @throws {RangeError} For an empty list.
 */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError("median of nothing");
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Probes lost, from ping(8)'s summary line `N packets transmitted, M received`.
 * @param summary ping's output.
 * @returns N − M.
 * @throws {Error} When the summary line is missing.
 */
export function lostProbes(summary: string): number {
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(summary);
  if (!m) throw new Error(`no ping summary in: ${summary}`);
  return Number(m[1]) - Number(m[2]);
}

/**
 * Renders the rows as a Markdown table.
 * @param rows The figures.
 * @returns The table, one row per figure.
 */
export function table(rows: readonly Row[]): string {
  const lines = [
    "| measure | nsrecipe | yardstick | ratio | must reach | aim |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    if ("lost" in r) lines.push(`| ${r.measure} | ${r.lost.join(", ")} lost | | | 0–1 | 0 |`);
    else if ("cpuA" in r) {
      lines.push(
        `| ${r.measure} | ${Math.round(r.cpuA)} ms CPU | ${Math.round(r.cpuB)} ms CPU | ${r.ratio.toFixed(2)}× | | |`,
      );
    } else if ("each" in r) {
      lines.push(
        `| ${r.measure} | ${Math.round(r.each)} ms | ${Math.round(r.b)} ms | ${(r.each / r.b).toFixed(2)}× | | |`,
      );
    } else if ("floor" in r) {
      lines.push(
        `| ${r.measure} | ${Math.round(r.floor)} ms (floor) | ${Math.round(r.b)} ms | ${r.ratio.toFixed(2)}× | | |`,
      );
    } else if ("beyondMust" in r) {
      const beyond = Math.round(r.a - r.b);
      const ok = beyond < r.beyondMust ? "" : " ✗";
      lines.push(
        `| ${r.measure} | ${Math.round(r.a)} ms | ${Math.round(r.b)} ms | ${
          r.ratio.toFixed(2)
        }× (+${beyond} ms${ok}) | < +${r.beyondMust} ms | |`,
      );
    } else {
      const ok = r.ratio <= r.must ? "" : " ✗";
      lines.push(
        `| ${r.measure} | ${Math.round(r.a)} ms | ${Math.round(r.b)} ms | ${r.ratio.toFixed(2)}×${ok} | ≤ ${
          r.must.toFixed(1)
        }× | ≤ ${r.aim.toFixed(1)}× |`,
      );
    }
  }
  return lines.join("\n");
}

/**
 * The CPU time of the processes a shell waited for, from bash's `times`
 * builtin (bash(1): two lines, the shell's own user and system time, then its
 * children's, each like `0m0.081s`; getrusage(2) `RUSAGE_CHILDREN`, which
 * counts every descendant that was waited for).
 * @param text What `times` printed.
 * @returns The children's user plus system time, ms.
 * @throws {Error} When the text is not `times` output.
 */
export function childCpuMs(text: string): number {
  const lines = text.trim().split("\n");
  const m = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines.at(-1)?.trim() ?? "");
  if (lines.length < 2 || !m) throw new Error(`not the output of bash's times: ${text}`);
  return (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000;
}
