import assert from "node:assert/strict";
import { DEFAULT_WIDTH, isProse, outputWidth, wrapItem, wrapProse, wrapText } from "../../src/cli/wrap.ts";
import { formatFindings } from "../../src/cli/doctor.ts";
import { showLines } from "../../src/cli/show.ts";
import { RECIPES } from "../../recipes/mod.ts";

const recipeByName = (name: string) => RECIPES.find((r) => r.name === name)!;
import type { Finding } from "../../src/doctor/mod.ts";

Deno.test("wrapProse breaks at spaces only, as commander's boxWrap: a word longer than the width stays whole", () => {
  assert.deepEqual(wrapProse("print the exact commands 'run' would execute; change nothing", 40), [
    "print the exact commands 'run' would",
    "execute; change nothing",
  ]);
  const path = "/etc/NetworkManager/conf.d/90-nsrecipe-a-very-long-device-name.conf";
  assert.deepEqual(wrapProse(`Write ${path} first`, 40), ["Write", path, "first"]);
  assert.deepEqual(wrapProse("short", 40), ["short"]);
  assert.deepEqual(wrapProse("", 40), [""]);
});

Deno.test("wrapProse never breaks inside a quoted command: the span moves to the next line whole, even past the width", () => {
  assert.deepEqual(
    wrapProse(
      "print the shell completion script, e.g. 'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe'",
      42,
    ),
    ["print the shell completion script, e.g.", "'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe'"],
  );
  assert.deepEqual(
    wrapProse("Check that nothing uses it, then remove it: 'umount /run/netns/web; rm /run/netns/web'.", 48),
    [
      "Check that nothing uses it, then remove it:",
      "'umount /run/netns/web; rm /run/netns/web'.",
    ],
  );
  // In brackets, and an apostrophe inside the span ('host's' does not close it).
  assert.deepEqual(wrapProse("Undo ends any process still inside ('ip netns pids') and deletes it", 45), [
    "Undo ends any process still inside",
    "('ip netns pids') and deletes it",
  ]);
  assert.deepEqual(wrapProse("one two 'the host's own table is kept' three four", 40), [
    "one two 'the host's own table is kept'",
    "three four",
  ]);
});

Deno.test("wrapProse: an apostrophe is not a quote (one left open on the line quotes nothing), so the host's words still wrap", () => {
  assert.deepEqual(wrapProse("replay a recipe on a lab copy of this host's uplink first; never changes the host", 44), [
    "replay a recipe on a lab copy of this host's",
    "uplink first; never changes the host",
  ]);
  assert.deepEqual(wrapProse("'an opening quote that never closes goes on as words here", 40), [
    "'an opening quote that never closes goes",
    "on as words here",
  ]);
});

Deno.test("under 40 columns nothing is wrapped (commander's minWidthToWrap); the width is 80 when stdout is no terminal", () => {
  const line = "a line of prose that is much longer than thirty-nine columns";
  assert.deepEqual(wrapProse(line, 39), [line]);
  assert.equal(wrapProse(line, 40).length, 2);
  assert.equal(DEFAULT_WIDTH, 80);
  assert.equal(outputWidth(undefined), 80);
  assert.equal(outputWidth(132), 132);
  assert.equal(outputWidth(0), 0, "a terminal that reports no size: not wrapped, as --help");
});

Deno.test("wrapText wraps prose lines (a capital first) and prints a command line as it is, however long", () => {
  const command = "ip addr change 192.0.2.5/24 dev eth0 valid_lft forever preferred_lft forever";
  assert.deepEqual(wrapText(`Make it static in the network configuration, then:\n${command}\nOr accept it.`, 40), [
    "Make it static in the network",
    "configuration, then:",
    command,
    "Or accept it.",
  ]);
  assert.equal(isProse("Make it static"), true);
  assert.equal(isProse("'eth0' is"), false);
  assert.equal(isProse("nft insert rule inet filter forward iifname br0 accept"), false);
  assert.equal(isProse("  nsrecipe plan netns"), false);
});

Deno.test("wrapItem lays out a labelled description as --help does: further lines under its first column", () => {
  assert.deepEqual(
    wrapItem(
      "  --uplink <dev>               ",
      "the uplink to bridge (default: the device of the default route)",
      80,
    ),
    [
      "  --uplink <dev>               the uplink to bridge (default: the device of the",
      "                               default route)",
    ],
  );
  // What the label leaves is under 40 columns: not wrapped.
  assert.deepEqual(wrapItem("  --uplink <dev>               ", "the uplink to bridge (default: the device)", 60), [
    "  --uplink <dev>               the uplink to bridge (default: the device)",
  ]);
});

Deno.test("doctor's findings at 80 columns: summary and fix prose wrapped under their column, the command to copy whole", () => {
  const findings: Finding[] = [
    {
      id: "dhcp",
      verdict: "warn",
      summary: "'eth0' has a DHCP-managed address 192.0.2.5/24 (valid 3600s, preferred 3600s): the lease is tied to " +
        "'eth0'; full-migrate refuses it without --force",
      fix: "Make it static in the network configuration (or run the DHCP client on the bridge), then:\n" +
        "ip addr change 192.0.2.5/24 dev eth0 valid_lft forever preferred_lft forever\n" +
        "Or accept it: full-migrate --force copies the address with its remaining lifetime.",
    },
    {
      id: "netns-name",
      verdict: "fail",
      summary: "A network namespace named 'web' already exists",
      fix: "No applied run of nsrecipe made it: choose another --name, or remove it ('ip netns del web').",
    },
    { id: "ip", verdict: "ok", summary: "iproute2 6.1.0, with JSON output" },
  ];
  assert.deepEqual(formatFindings(findings, undefined, 80), [
    "warn  dhcp        'eth0' has a DHCP-managed address 192.0.2.5/24 (valid 3600s,",
    "                  preferred 3600s): the lease is tied to 'eth0'; full-migrate",
    "                  refuses it without --force",
    "                  fix: Make it static in the network configuration (or run the",
    "                       DHCP client on the bridge), then:",
    "                       ip addr change 192.0.2.5/24 dev eth0 valid_lft forever preferred_lft forever",
    "                       Or accept it: full-migrate --force copies the address",
    "                       with its remaining lifetime.",
    "fail  netns-name  A network namespace named 'web' already exists",
    "                  fix: No applied run of nsrecipe made it: choose another",
    "                       --name, or remove it ('ip netns del web').",
    "ok    ip          iproute2 6.1.0, with JSON output",
  ]);
  // 120 columns: the same findings on fewer lines.
  assert.deepEqual(formatFindings(findings.slice(1), undefined, 120), [
    "fail  netns-name  A network namespace named 'web' already exists",
    "                  fix: No applied run of nsrecipe made it: choose another --name, or remove it ('ip netns del web').",
    "ok    ip          iproute2 6.1.0, with JSON output",
  ]);
});

Deno.test("show's text at 80 and 60 columns: description and options wrapped, commands quoted whole, the example on a line of its own", () => {
  assert.deepEqual(showLines(recipeByName("netns"), 80), [
    "netns: the pid-only shell inside a named network namespace",
    "",
    "Creates the network namespace NAME ('ip netns add'), brings its loopback up, and",
    "runs the shell or the command after -- inside it as PID 1 of a new PID namespace",
    "('ip netns exec NAME unshare -fp --mount-proc'). Undo ends any process still",
    "inside ('ip netns pids') and deletes the namespace.",
    "",
    "Options:",
    "  --name <name>                name of the network namespace (default 'nsr0')",
    "",
    "Example (shows the exact commands; changes nothing):",
    "  nsrecipe plan netns",
  ]);
  assert.deepEqual(showLines(recipeByName("pid-only"), 60), [
    "pid-only: a shell in a new PID namespace with its own /proc",
    "",
    "Runs the shell, or the command after --, as PID 1 of a new",
    "PID namespace with a private /proc",
    "('unshare -fp --mount-proc'). Without --fork a PID",
    "namespace's first command forks fine and then every later",
    "one fails with 'Cannot allocate memory'; nsrecipe always",
    "forks. Nothing on the host changes.",
    "",
    "Options: none",
    "",
    "Example (shows the exact commands; changes nothing):",
    "  nsrecipe plan pid-only",
  ]);
});
