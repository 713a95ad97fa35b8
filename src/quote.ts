/**
 * User-given text in messages: names, paths, addresses and run selectors are
 * shown so that what the admin reads is what was given. Control characters
 * (ANSI escapes), Unicode direction overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069, the "Trojan Source" trick), zero-width characters (U+200B,
 * U+200D, U+2060, U+FEFF), other format characters and invisible separators
 * are shown escaped, never printed raw: a rejected name must not repaint the
 * terminal or read as another name. Commands are shown as a shell would take
 * them ({@link shellQuote}), so that `plan` and `lab` print lines an admin can
 * paste.
 *
 * @module
 */

/**
 * Characters never printed raw: Unicode general categories Cc (control), Cf
 * (format: bidi controls, zero-width characters, soft hyphen), Co (private
 * use), Cn (unassigned), Zl/Zp (line and paragraph separators) and every
 * space separator except the plain space.
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Zl}\p{Zp}]|(?! )\p{Zs}/u;

function escapeChar(c: string): string {
  const cp = c.codePointAt(0)!;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, "0")}` : `\\u{${cp.toString(16).padStart(4, "0")}}`;
}

/**
 * Quotes a user-given value for a message: wrapped in single quotes, with
 * `\` and `'` backslash-escaped and every hidden character (see the module
 * doc) written as `\xNN` or `\u{NNNN}`, and cut after {@link QUOTE_MAX_CHARS}
 * characters. The one helper for every message that quotes a name, path,
 * address or selector the user gave.
 *
 * @param value Any text, e.g. a rejected namespace name.
 * @returns The quoted form, ASCII-safe for the hidden characters, e.g.
 *   `'web\u{202e}gpj'` for `web` + U+202E + `gpj`.
 * @example
 * ```ts
 * quote("br0"); // "'br0'"
 * quote("a\u200bb"); // "'a\\u{200b}b'"
 * ```
 */
export function quote(value: string): string {
  const chars = [...value];
  let out = "";
  for (const c of chars.slice(0, QUOTE_MAX_CHARS)) {
    out += c === "\\" || c === "'" ? `\\${c}` : HIDDEN.test(c) ? escapeChar(c) : c;
  }
  return chars.length > QUOTE_MAX_CHARS ? `'${out}…' (${chars.length} characters)` : `'${out}'`;
}

/**
 * The most characters of one value {@link quote} shows: a longer value (a
 * 100 000-character `--name`) is cut there and its length given, so that a
 * message stays a line an admin can read.
 */
export const QUOTE_MAX_CHARS = 160;

/**
 * Makes a whole message safe for a terminal: every hidden character (see the
 * module doc) except the newline is written as `\xNN` or `\u{NNNN}`. The last
 * line of defence for text that reached a message unquoted (e.g. commander's
 * own errors, which repeat the argument given).
 *
 * @param text Any message, possibly several lines.
 * @returns The text with hidden characters escaped.
 * @example
 * ```ts
 * sanitize("bad \x1b[31mred"); // "bad \\x1b[31mred"
 * ```
 */
export function sanitize(text: string): string {
  let out = "";
  for (const c of text) out += c !== "\n" && HIDDEN.test(c) ? escapeChar(c) : c;
  return out;
}

/**
 * Quotes an argv for display so it can be pasted into a shell.
 * @param argv The argv.
 * @returns e.g. `ip netns add web`.
 */
export function shellQuote(argv: readonly string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_./:=@%+,-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/**
 * Joins words as a sentence lists them: `a`, `a and b`, `a, b and c`.
 * @param words Words as they are to appear (quoted already where they need it).
 * @returns The list, `""` for none.
 */
export function listed(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} and ${words.at(-1)}`;
}
