import assert from "node:assert/strict";
import { BATCH_TEXT_MAX, batchLine, batchMessage, batchSizes, failedLine } from "../../src/engine/ip_batch.ts";

Deno.test("batchLine: an IPv4 route or rule drops -4 (ip's default family for them); the namespace is the batch's", () => {
  assert.deepEqual(batchLine(["ip", "-4", "route", "del", "default", "via", "198.51.100.1", "dev", "nsbr0"]), {
    batch: ["ip"],
    words: ["route", "del", "default", "via", "198.51.100.1", "dev", "nsbr0"],
  });
  assert.deepEqual(batchLine(["ip", "-4", "rule", "add", "priority", "100", "iif", "eth0", "table", "100"]), {
    batch: ["ip"],
    words: ["rule", "add", "priority", "100", "iif", "eth0", "table", "100"],
  });
  assert.deepEqual(batchLine(["ip", "-n", "web", "-4", "route", "del", "default", "via", "10.200.0.1"]), {
    batch: ["ip", "-n", "web"],
    words: ["route", "del", "default", "via", "10.200.0.1"],
  });
});

Deno.test("batchLine: an IPv6 default route is written ::/0 (a batch line takes no -6); an IPv6 rule keeps -6 as the batch's", () => {
  assert.deepEqual(
    batchLine(["ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0", "table", "default"]),
    {
      batch: ["ip"],
      words: ["route", "add", "::/0", "via", "fe80::1", "dev", "eth0", "table", "default"],
    },
  );
  assert.deepEqual(batchLine(["ip", "-6", "route", "del", "blackhole", "default", "table", "7"])?.words, [
    "route",
    "del",
    "blackhole",
    "::/0",
    "table",
    "7",
  ]);
  assert.deepEqual(batchLine(["ip", "-6", "rule", "del", "priority", "5", "oif", "br0"])?.batch, ["ip", "-6"]);
});

Deno.test("batchLine: not ip, an option it does not know, or a word the batch parser would split is not batched", () => {
  assert.equal(batchLine(["nft", "delete", "table", "ip", "x"]), undefined);
  assert.equal(batchLine(["ip", "-json", "link", "show"]), undefined);
  assert.equal(batchLine(["ip", "link", "set", "dev", "we#rd", "nomaster"]), undefined);
  assert.equal(batchLine(["ip", "link", "set", "dev", "a b", "nomaster"]), undefined);
  assert.deepEqual(batchLine(["ip", "link", "set", "dev", "eth0", "nomaster"]), {
    batch: ["ip"],
    words: ["link", "set", "dev", "eth0", "nomaster"],
  });
});

Deno.test("failedLine and batchMessage read iproute2's report of the line that stopped a batch", () => {
  const stderr = "RTNETLINK answers: No such process\nCommand failed -:6";
  assert.equal(failedLine(stderr), 6);
  assert.equal(batchMessage(stderr), "RTNETLINK answers: No such process");
  assert.equal(failedLine('Cannot open network namespace "web": No such file or directory'), undefined);
});

Deno.test("batchSizes: a step's lines stay together; each batch's text is at most BATCH_TEXT_MAX bytes (PIPE_BUF), newlines counted", () => {
  assert.equal(BATCH_TEXT_MAX, 4096);
  assert.deepEqual(batchSizes([["a b"], ["c d"], ["e f"]], 8), [2, 1]);
  assert.deepEqual(batchSizes([["a b"], ["c d", "e f"], ["g h"]], 8), [1, 1, 1]);
  assert.deepEqual(batchSizes([["a long line"], ["x"]], 8), [1, 1], "a unit over the limit is a batch of its own");
  assert.deepEqual(batchSizes([]), []);
  // 4096 bytes exactly is one batch; one byte more is two.
  const line = "x".repeat(1023); // 1024 bytes with its newline
  assert.deepEqual(batchSizes([[line], [line], [line], [line]]), [4]);
  assert.deepEqual(batchSizes([[line], [line], [line], [line + "x"]]), [3, 1]);
  // Bytes, not characters: 'é' is two bytes in UTF-8.
  assert.deepEqual(batchSizes([["é"], ["é"]], 6), [2]);
  assert.deepEqual(batchSizes([["é"], ["éé"]], 6), [1, 1]);
});
