import assert from "node:assert/strict";
import { batchLine, batchMessage, batchNetns, failedLine, readAnswers, withReads } from "../../src/engine/ip_batch.ts";

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

Deno.test("withReads: the reads follow the changes in one 'ip -json -details -batch -'; none with a family option, however long the changes", () => {
  assert.deepEqual(withReads("ip -n web", ["link set dev lo up", "addr add 10.0.0.2/24 dev eth0"], ["addr show"]), {
    argv: ["ip", "-n", "web", "-json", "-details", "-batch", "-"],
    stdin: "link set dev lo up\naddr add 10.0.0.2/24 dev eth0\naddr show\n",
    reads: 1,
  });
  // `-6` would keep only IPv6 addresses in the reads' answers: the changes alone, as a plain batch.
  assert.deepEqual(withReads("ip -6", ["addr add 2001:db8::1/64 dev eth0"], ["addr show dev eth0"]), {
    argv: ["ip", "-6", "-batch", "-"],
    stdin: "addr add 2001:db8::1/64 dev eth0\n",
    reads: 0,
  });
  assert.deepEqual(withReads("ip", ["link set dev br0 up"], []).argv, ["ip", "-batch", "-"]);
  // However long the changes, the reads follow them in the same process: the runner writes the text in whole lines.
  const writes = Array.from({ length: 1000 }, (_, i) => `route add 10.0.${i >> 8}.${i & 255}/32 dev eth0`);
  const long = withReads("ip", writes, ["addr show dev eth0"]);
  assert.deepEqual([long.argv, long.reads], [["ip", "-json", "-details", "-batch", "-"], 1]);
  assert.equal(long.stdin, [...writes, "addr show dev eth0"].map((l) => `${l}\n`).join(""));
});

Deno.test("readAnswers: one JSON line per read that ran; none when a change failed; output that does not match is not trusted", () => {
  const br0 = '[{"ifname":"br0"}]';
  // Three changes, three reads, all ran (exit 0).
  assert.deepEqual(readAnswers(`${br0}\n[]\n[]\n`, undefined, 3, 3), [br0, "[]", "[]"]);
  // The second read failed (`Command failed -:5`: a link gone): the first answered, the rest did not run.
  assert.deepEqual(readAnswers(`${br0}\n`, 5, 3, 3), [br0]);
  // The first read failed: no answer.
  assert.deepEqual(readAnswers("", 4, 3, 3), []);
  // A change failed (line 2): no read ran.
  assert.deepEqual(readAnswers("", 2, 3, 3), []);
  // More or fewer lines than reads that ran, or a line that is not a JSON array: nothing is trusted.
  assert.equal(readAnswers(`${br0}\n`, undefined, 3, 3), undefined);
  assert.equal(readAnswers(`${br0}\n[]\n`, 5, 3, 3), undefined);
  assert.equal(readAnswers("59\n[]\n[]\n", undefined, 3, 3), undefined);
  assert.equal(readAnswers(br0, 2, 3, 3), undefined);
});

Deno.test("batchNetns: the named netns of a batch key; none for the host's own, with or without a family", () => {
  assert.equal(batchNetns("ip -n web"), "web");
  assert.equal(batchNetns("ip -n web -6"), "web");
  assert.equal(batchNetns("ip"), undefined);
  assert.equal(batchNetns("ip -6"), undefined);
});
