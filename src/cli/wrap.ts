/**
 * Wrapping text to the terminal, one rule for `--help` (commander's layout
 * calls {@link wrapProse} as its `boxWrap`), `doctor` and `show`:
 *
 * - The width is stdout's columns when stdout is a terminal, else 80
 *   (commander's own rule for `--help`: `getOutHelpWidth`, `Help.helpWidth`);
 *   a column narrower than 40 is not wrapped at all (commander's
 *   `minWidthToWrap`).
 * - Prose breaks only at spaces (a word longer than the width stays whole,
 *   as commander's `boxWrap` does), and never inside a quoted span: a
 *   command or a subject named in prose is quoted (`'nsrecipe confirm'`,
 *   `'ip netns del web'`), and a quoted span moves to the next line whole,
 *   so that it can be copied from one line.
 * - In a text of several lines ({@link wrapText}: a finding's fix, a recipe's
 *   description), a line is prose when it starts with a capital letter (as
 *   nsrecipe's messages do); any other line is a command to copy
 *   (`ip addr change …`, `nft insert rule …`, an indented example) and is
 *   printed as it is, whatever its length.
 *
 * Pure but for {@link terminalColumns}; nothing here imports commander (the
 * fast path's commands use it without).
 *
 * @module
 */

/** Below this many columns text is not wrapped (commander's `Help.minWidthToWrap`). */
export const MIN_WIDTH_TO_WRAP = 40;

/** The width when stdout is not a terminal, in columns (commander's default `Help.helpWidth`). */
export const DEFAULT_WIDTH = 80;

/**
 * Stdout's width when it is a terminal, as commander's `getOutHelpWidth`
 * reads it for `--help` (`process.stdout.columns` when `isTTY`).
 * @returns Columns (0 on a terminal that reports no size); `undefined` when stdout is not a terminal.
 */
export function terminalColumns(): number | undefined {
  if (!Deno.stdout.isTerminal()) return undefined;
  try {
    return Deno.consoleSize().columns;
  } catch {
    return undefined; // a terminal whose size cannot be read is treated as none (no wrapping beyond the default)
  }
}

/**
 * The width text is wrapped to: the terminal's columns, else {@link DEFAULT_WIDTH}.
 * @param columns Stdout's columns when a terminal (see {@link terminalColumns}).
 * @returns Columns, e.g. 80.
 */
export function outputWidth(columns: number | undefined = terminalColumns()): number {
  return columns ?? DEFAULT_WIDTH;
}

/**
 * The words of a line with the spaces before each (`boxWrap`'s chunks),
 * a quoted span joined into one chunk: it opens with a `'` at the start of a
 * word (after a space or an opening bracket) and closes with a `'` not
 * followed by a letter or digit (`'host's table'` closes after `table`). A
 * `'` that is not closed on the line is an apostrophe.
 */
function chunksOf(line: string): string[] {
  const words = line.match(/\s*\S+/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    const open = /^\s*[(\[{"]*'/.exec(word);
    if (open) {
      const end = closingIn(words, i, open[0].length);
      if (end !== undefined) {
        chunks.push(words.slice(i, end + 1).join(""));
        i = end;
        continue;
      }
    }
    chunks.push(word);
  }
  return chunks;
}

/** The index of the word that closes the quote opened in `words[from]` before index `at`, if any. */
function closingIn(words: readonly string[], from: number, at: number): number | undefined {
  for (let i = from; i < words.length; i++) {
    const text = i === from ? words[i].slice(at) : words[i];
    if (/'(?![\p{L}\p{N}])/u.test(text)) return i;
  }
  return undefined;
}

/** Columns a string takes (code points: nsrecipe's texts have no wide characters). */
function widthOf(s: string): number {
  return [...s].length;
}

/**
 * Wraps one line of prose to a width: breaks at spaces only, never inside a
 * quoted span; a word or span longer than the width stays whole on a line of
 * its own. A width under {@link MIN_WIDTH_TO_WRAP} leaves the line as it is.
 * @param line The prose, without a newline.
 * @param width Columns, e.g. 57 for what follows a 23-column label on 80 columns.
 * @returns The lines, without indentation (at least one).
 * @example
 * ```ts
 * wrapProse("check it with 'ip netns list' first", 40);
 * // ["check it with 'ip netns list' first"]
 * ```
 */
export function wrapProse(line: string, width: number): string[] {
  if (width < MIN_WIDTH_TO_WRAP) return [line];
  const chunks = chunksOf(line);
  if (chunks.length === 0) return [""];
  const lines: string[] = [];
  let current = chunks[0];
  let used = widthOf(current);
  for (const chunk of chunks.slice(1)) {
    const w = widthOf(chunk);
    if (used + w <= width) {
      current += chunk;
      used += w;
      continue;
    }
    lines.push(current);
    current = chunk.trimStart();
    used = widthOf(current);
  }
  lines.push(current);
  return lines;
}

/**
 * Wraps a text of several lines: each prose line (one that starts with a
 * capital letter) by {@link wrapProse}; every other line, a command to copy,
 * as it is.
 * @param text The text, lines separated by `\n`.
 * @param width Columns.
 * @returns The lines, without indentation.
 * @example
 * ```ts
 * wrapText("Make it static, then:\nip addr change 192.0.2.5/24 dev eth0 valid_lft forever", 40);
 * // ["Make it static, then:", "ip addr change 192.0.2.5/24 dev eth0 valid_lft forever"]
 * ```
 */
export function wrapText(text: string, width: number): string[] {
  return text.split("\n").flatMap((line) => isProse(line) ? wrapProse(line, width) : [line]);
}

/**
 * Whether a line of a text is prose (starts with a capital letter), rather than a command to copy.
 * @param line The line.
 * @returns `true` for `Make it static, then:`, `false` for `ip addr change …` and `  nsrecipe plan netns`.
 */
export function isProse(line: string): boolean {
  return /^\p{Lu}/u.test(line);
}

/**
 * A labelled item, as `--help` lays out an option (commander's `formatItem`):
 * the description wrapped as prose to what the width leaves after the
 * label, its further lines under its first. When that is under
 * {@link MIN_WIDTH_TO_WRAP} columns it is not wrapped.
 * @param label What comes first, padded to the column where the description starts, e.g. `"  --name <name>   "`.
 * @param description The description (prose; one line).
 * @param width The width, in columns.
 * @returns The lines.
 */
export function wrapItem(label: string, description: string, width: number): string[] {
  const indent = " ".repeat(widthOf(label));
  return wrapProse(description, width - widthOf(label)).map((l, i) => `${i === 0 ? label : indent}${l}`);
}
