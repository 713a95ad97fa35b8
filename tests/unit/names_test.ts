import assert from "node:assert/strict";
import { UsageError } from "../../src/errors.ts";
import { checkLinkName, checkNetnsName, IFNAME_MAX } from "../../src/names.ts";

Deno.test("checkLinkName accepts 15 bytes and refuses 16 (IFNAMSIZ - 1)", () => {
  assert.equal(IFNAME_MAX, 15);
  assert.equal(checkLinkName("abcdefghijklmno"), "abcdefghijklmno");
  assert.throws(
    () => checkLinkName("abcdefghijklmnop", "--veth"),
    (e) =>
      e instanceof UsageError && /16 bytes long; the limit is 15/.test(e.message) && /--veth|link name/.test(e.message),
  );
});

Deno.test("checkLinkName counts bytes, not characters", () => {
  assert.throws(() => checkLinkName("é".repeat(8)), /16 bytes/);
});

for (
  const bad of [
    "",
    "-x",
    ".hidden",
    "a b",
    "a/b",
    "a;touch /tmp/x",
    "x$(id)",
    "tab\there",
    "nl\n",
    "..",
    "up",
    "help",
    "dev",
  ]
) {
  Deno.test(`checkNetnsName refuses ${JSON.stringify(bad)}`, () => {
    assert.throws(() => checkNetnsName(bad), UsageError);
  });
}

for (const good of ["web", "n1", "a.b", "a_b-c", "averylongnamespace1"]) {
  Deno.test(`checkNetnsName accepts ${JSON.stringify(good)}`, () => {
    assert.equal(checkNetnsName(good), good);
  });
}
