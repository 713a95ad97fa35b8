/**
 * "Did you mean …?" for a mistyped word: the closest of the known words by
 * optimal-string-alignment distance (insertions, deletions, substitutions and
 * swaps of two neighbours count 1), compared case-insensitively, as
 * commander suggests for an unknown option. Pure.
 *
 * @module
 */

/** A suggestion needs at most this many edits, and fewer than 60 % of the word's length. */
const MAX_EDITS = 3;

/**
 * The edit distance between two words (optimal string alignment).
 * @param a A word.
 * @param b Another.
 * @returns The number of edits, e.g. 1 for `veth-brige` / `veth-bridge`.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known word a mistyped one most likely meant.
 * @param word What was typed, e.g. `Veth-brige`.
 * @param known The words it may have meant, e.g. the recipe names.
 * @returns e.g. `veth-bridge`; `undefined` when none is close (the first of equally close ones wins).
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { word: string; edits: number } | undefined;
  for (const k of known) {
    const edits = editDistance(word.toLowerCase(), k.toLowerCase());
    if (edits > MAX_EDITS || edits >= word.length * 0.6) continue;
    if (!best || edits < best.edits) best = { word: k, edits };
  }
  return best?.word;
}

/**
 * The " (did you mean X?)" tail of a message, or `""`.
 * @param word What was typed.
 * @param known The words it may have meant.
 * @returns e.g. ` (did you mean veth-bridge?)`.
 */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c ? ` (did you mean ${c}?)` : "";
}
