import assert from "node:assert/strict";
import { parseToolJson } from "../../src/host/mod.ts";

Deno.test("parseToolJson reads a link name with raw control characters (iproute2 prints them unescaped) exactly", () => {
  const raw = '[{"ifindex":7,"ifname":"e\x1b[31mX","flags":[]},{"ifindex":8,"ifname":"a;b$(id)\x01\x7f"}]';
  assert.throws(() => JSON.parse(raw), SyntaxError, "plain JSON.parse refuses it");
  assert.deepEqual(parseToolJson(raw), [
    { ifindex: 7, ifname: "e\x1b[31mX", flags: [] },
    { ifindex: 8, ifname: "a;b$(id)\x01\x7f" },
  ]);
});

Deno.test("parseToolJson keeps escapes already in a string and control characters outside strings (whitespace)", () => {
  assert.deepEqual(parseToolJson('[\n{"a":"q\\"\x09\\\\"}\n]'), [{ a: 'q"\t\\' }]);
  assert.deepEqual(parseToolJson('{"a":"\x00"}'), { a: "\x00" });
});

Deno.test("parseToolJson still throws on text that is not JSON", () => {
  assert.throws(() => parseToolJson('[{"a":"x"'), SyntaxError);
  assert.throws(() => parseToolJson("Error: not json"), SyntaxError);
});
