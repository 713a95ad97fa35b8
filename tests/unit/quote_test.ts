import assert from "node:assert/strict";
import { UsageError } from "../../src/errors.ts";
import { checkLinkName, checkNetnsName } from "../../src/names.ts";
import { listed, quote, sanitize } from "../../src/quote.ts";

Deno.test("quote() leaves a plain name as it is, in single quotes", () => {
  assert.equal(quote("br0"), "'br0'");
  assert.equal(quote("web server"), "'web server'");
  assert.equal(quote("héllo"), "'héllo'");
});

for (
  const [raw, shown] of [
    ["web\u202egpj.exe", "'web\\u{202e}gpj.exe'"], // RIGHT-TO-LEFT OVERRIDE
    ["a\u2066b\u2069", "'a\\u{2066}b\\u{2069}'"], // LEFT-TO-RIGHT ISOLATE … POP DIRECTIONAL ISOLATE
    ["a\u200fb", "'a\\u{200f}b'"], // RIGHT-TO-LEFT MARK
    ["we\u200bb", "'we\\u{200b}b'"], // ZERO WIDTH SPACE
    ["we\u200db", "'we\\u{200d}b'"], // ZERO WIDTH JOINER
    ["\ufeffweb", "'\\u{feff}web'"], // ZERO WIDTH NO-BREAK SPACE (BOM)
    ["x\u2060", "'x\\u{2060}'"], // WORD JOINER
    ["a\u00a0b", "'a\\xa0b'"], // NO-BREAK SPACE looks like a space
    ["a\u2028b", "'a\\u{2028}b'"], // LINE SEPARATOR
    ["\x1b[31mred", "'\\x1b[31mred'"], // ANSI escape
    ["nl\n", "'nl\\x0a'"],
    ["it's", "'it\\'s'"],
    ["back\\slash", "'back\\\\slash'"],
  ]
) {
  Deno.test(`quote() escapes ${JSON.stringify(raw)} as ${shown}`, () => {
    assert.equal(quote(raw), shown);
  });
}

Deno.test("sanitize() escapes hidden characters of a whole message but keeps its newlines", () => {
  assert.equal(sanitize("a\x1b[2Jb\nc\u202ed"), "a\\x1b[2Jb\nc\\u{202e}d");
});

Deno.test("a rejected namespace or link name with a direction override or zero-width character is shown escaped", () => {
  assert.throws(
    () => checkNetnsName("web\u202egpj"),
    (e) =>
      e instanceof UsageError && e.message === "The namespace name 'web\\u{202e}gpj' given to --name is not allowed",
  );
  assert.throws(
    () => checkLinkName("br\u200b0", "--bridge"),
    (e) => e instanceof UsageError && e.message === "The link name 'br\\u{200b}0' given to --bridge is not allowed",
  );
  assert.throws(
    () => checkLinkName("\u2066\u2066\u2066\u2066\u2066\u2066", "--veth"),
    (e) => e instanceof UsageError && e.message.startsWith("The link name '\\u{2066}\\u{2066}"),
  );
});

Deno.test("a --state-dir with a direction override is shown escaped in the refusal", async () => {
  const { ensureStateDir } = await import("../../src/journal/mod.ts");
  assert.throws(
    () => ensureStateDir("run/\u202ensrecipe"),
    (e) =>
      e instanceof UsageError && e.message === "The state directory 'run/\\u{202e}nsrecipe' is not an absolute path",
  );
});

Deno.test("listed: words as a sentence lists them, the one joiner of every message", () => {
  assert.equal(listed([]), "");
  assert.equal(listed(["'ip'"]), "'ip'");
  assert.equal(listed(["'ip'", "'head'"]), "'ip' and 'head'");
  assert.equal(listed(["a", "b", "c"]), "a, b and c");
});
