/**
 * Hostile input and environment: odd names, a state directory that is a
 * symlink, writable by others or outside the permission set, a full disk,
 * `ip` or `unshare` missing from PATH, not root. Each gets a clear error and
 * its documented exit code; nothing changes on the host and nothing is lost
 * from the journal.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertSameHost, endState, journalOf, journalText, sequence } from "../support/reliability.ts";

const PWNED = `/tmp/nsrecipe-pwned-${crypto.randomUUID().slice(0, 8)}`;

/**
 * Bad values for recipe options: `[recipe, option, value, message pattern]`.
 * A link-name row for veth-bridge is one more line, e.g.
 * `["veth-bridge", "--veth", "abcdefghijklmnop", /16 bytes long; the limit is 15/]`.
 */
const BAD_NAMES: readonly [string, string, string, RegExp][] = [
  ["netns", "--name", "a b", /not allowed/],
  ["netns", "--name", "..", /not allowed/],
  ["netns", "--name", "a/../b", /not allowed/],
  ["netns", "--name", "a\tb", /'a\\x09b' given to --name is not allowed/],
  ["netns", "--name", "a\nb", /not allowed/],
  ["netns", "--name", "red\x1b[31m", /'red\\x1b\[31m' given to --name is not allowed/],
  ["netns", "--name", "web\u202egpj", /'web\\u\{202e\}gpj' given to --name is not allowed/],
  ["netns", "--name", "we\u200bb", /'we\\u\{200b\}b' given to --name is not allowed/],
  ["veth-bridge", "--bridge", "br\u2066x\u2069", /'br\\u\{2066\}x\\u\{2069\}' given to --bridge is not allowed/],
  ["netns", "--name", "-x", /not allowed/],
  ["netns", "--name", "--help", /not allowed/],
  ["netns", "--name", `a;touch ${PWNED}`, /not allowed/],
  ["netns", "--name", `$(touch ${PWNED})`, /not allowed/],
  ["netns", "--name", "é".repeat(33), /66 bytes long; the limit is 64/],
  ["netns", "--name", "up", /iproute2 keyword/],
  ["veth-bridge", "--veth", "abcdefghijklmnop", /16 bytes long; the limit is 15/],
  ["veth-bridge", "--veth", "help", /iproute2 keyword/],
  ["veth-bridge", "--bridge", "br 0", /not allowed/],
  ["veth-bridge", "--subnet", "10.200.0.0/33", /not a CIDR/],
  ["veth-bridge", "--address", "300.1.1.1/24", /not a CIDR/],
  ["full-migrate", "--uplink", "eth0;reboot", /not allowed/],
  ["full-migrate", "--address", "198.51.100.50", /not a CIDR/],
];

Deno.test("hostile names (spaces, '..', control characters, leading '-', shell syntax, too long, keywords): usage exit code, nothing changed, journal intact, nothing run", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "keep"]), 0, "a run to keep");
    const before = await lab.snapshot();
    const journal = await journalText(lab);
    for (const [recipe, option, value, pattern] of BAD_NAMES) {
      for (const args of [[`${option}=${value}`], [option, value]]) {
        const r = await lab.nsrecipe(["run", recipe, ...args, "--", "true"]);
        const what = `run ${recipe} ${JSON.stringify(args)}`;
        assertExit(r, EXIT.usage, what);
        if (args.length === 1) assert.match(r.stderr, pattern, what);
        assert.ok(
          !["\x1b", "\u200b", "\u202e", "\u2066", "\u2069"].some((c) => r.stderr.includes(c)),
          `${what}: no raw control, bidi or zero-width character`,
        );
        assert.match(r.stderr, /^nsrecipe: [A-Z-]/m, `${what}: a clear message`);
      }
      const plan = await lab.nsrecipe(["plan", recipe, `${option}=${value}`]);
      assertExit(plan, EXIT.usage, `plan ${recipe} ${option}=${JSON.stringify(value)}`);
    }
    await lab.sh(["sh", "-c", `printf 'name: "a;touch ${PWNED}"\\n' > /run/hostile.yaml`]);
    const fromFile = await lab.nsrecipe(["run", "netns", "-f", "/run/hostile.yaml", "--", "true"]);
    assertExit(fromFile, EXIT.usage, "a hostile name from -f FILE");
    // The message names the file and its key, then the value and the option it stands for.
    const expected =
      `'name' in '/run/hostile.yaml': The namespace name 'a;touch ${PWNED}' given to --name is not allowed`;
    assert.ok(fromFile.stderr.includes(expected), fromFile.stderr);
    assertSameHost(await lab.snapshot(), before, "hostile names");
    assert.equal(await journalText(lab), journal, "the journal is untouched");
    assert.equal((await lab.sh(["test", "-e", PWNED])).code, 1, `${PWNED} never appeared`);
  });
});

Deno.test("hostile -f files (/dev/zero, a FIFO with no writer, a directory, over 64 KiB, __proto__/constructor keys): usage exit code at once, nothing changed", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await lab.sh(["mkfifo", "/run/params.fifo"]);
    await lab.sh(["sh", "-c", "head -c 65537 /dev/zero | tr '\\0' '#' > /run/big.yaml"]);
    await lab.sh(["sh", "-c", "printf '__proto__:\\n  name: evil\\nname: web\\n' > /run/proto.yaml"]);
    await lab.sh(["sh", "-c", "printf 'constructor: x\\nname: web\\n' > /run/ctor.yaml"]);
    for (
      const [file, pattern] of [
        ["/dev/zero", /Cannot read '\/dev\/zero': not a regular file/],
        ["/run/params.fifo", /Cannot read '\/run\/params.fifo': not a regular file/],
        ["/run", /Cannot read '\/run': not a regular file/],
        ["/run/big.yaml", /larger than the limit of 65536 bytes \(64 KiB\)/],
        ["/run/proto.yaml", /keys that are not option names: '__proto__'/],
        ["/run/ctor.yaml", /keys that are not option names: 'constructor'/],
      ] as const
    ) {
      for (const command of [["run", "netns", "-f", file, "--", "true"], ["plan", "netns", "-f", file]]) {
        const r = await lab.nsrecipe(command);
        assertExit(r, EXIT.usage, command.join(" "));
        assert.match(r.stderr, pattern);
      }
    }
    assertSameHost(await lab.snapshot(), before, "hostile -f files");
  });
});

Deno.test("hostile lab options (CIDR out of range, gateway outside the subnet): usage exit code before any namespace is made", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [args, pattern] of [
        [["--address", "300.1.1.1/24"], /is not a CIDR/],
        [["--address", "198.51.100.10/33"], /is not a CIDR/],
        [["--address", "198.51.100.10/24", "--gateway", "203.0.113.1"], /is not an address inside/],
        [["--uplink", "abcdefghijklmnop"], /16 bytes long; the limit is 15/],
      ] as const
    ) {
      const r = await lab.nsrecipe(["lab", ...args, "--", "list"]);
      assertExit(r, EXIT.usage, `lab ${args.join(" ")}`);
      assert.match(r.stderr, pattern);
    }
    assertSameHost(await lab.snapshot(), before, "hostile lab options");
  });
});

/**
 * A state-directory setup, the exit code and the message expected, and the
 * files the setup made that must stay byte for byte as they are (path → content).
 */
const STATE_DIRS: readonly {
  what: string;
  setup: string;
  args: string[];
  code: number;
  pattern: RegExp;
  untouched?: Record<string, string>;
}[] = [
  {
    what: "a symlink to a private directory",
    setup: "mkdir -m 0700 /run/elsewhere && ln -s /run/elsewhere /run/nsrecipe",
    args: [],
    code: EXIT.precondition,
    pattern: /The state directory '\/run\/nsrecipe' is a symbolic link; nsrecipe refuses to follow it/,
  },
  {
    what: "below a symlinked directory",
    setup: "mkdir -m 0700 -p /run/elsewhere/inner && ln -s /run/elsewhere /run/nsrecipe",
    args: ["--state-dir", "/run/nsrecipe/inner"],
    code: EXIT.precondition,
    pattern: /lies behind a symbolic link \(it resolves to '\/run\/elsewhere\/inner'\)/,
  },
  {
    what: "world-writable",
    setup: "mkdir -m 0777 /run/nsrecipe",
    args: [],
    code: EXIT.precondition,
    pattern: /is writable by group or others \(mode 777\)/,
  },
  {
    what: "group-writable",
    setup: "mkdir -m 0770 /run/nsrecipe",
    args: [],
    code: EXIT.precondition,
    pattern: /is writable by group or others \(mode 770\)/,
  },
  {
    what: "owned by another user",
    setup: "mkdir -m 0700 /run/nsrecipe && chown 65534 /run/nsrecipe",
    args: [],
    code: EXIT.precondition,
    pattern: /is owned by uid 65534, not by you \(uid 0\)/,
  },
  {
    what: "a plain file",
    setup: "touch /run/nsrecipe",
    args: [],
    code: EXIT.precondition,
    pattern: /'\/run\/nsrecipe' is not a directory/,
  },
  {
    what: "holding a journal that is a symlink",
    setup:
      "mkdir -m 0700 /run/nsrecipe && echo precious > /run/precious && ln -s /run/precious /run/nsrecipe/journal.jsonl",
    args: [],
    code: EXIT.precondition,
    pattern: /journal.jsonl' is a symbolic link; nsrecipe refuses to write through it/,
    untouched: { "/run/precious": "precious\n" },
  },
  {
    what: "outside the permission set",
    setup: "true",
    args: ["--state-dir", "/tmp/nsrecipe-state"],
    code: EXIT.usage,
    pattern: /outside the directories nsrecipe may write \(\/run\/nsrecipe, \/var\/lib\/nsrecipe\)/,
  },
  {
    what: "a sibling of the allowed one",
    setup: "true",
    args: ["--state-dir", "/run/nsrecipe/../other"],
    code: EXIT.usage,
    pattern: /outside the directories nsrecipe may write/,
  },
  {
    what: "a relative path",
    setup: "true",
    args: ["--state-dir", "state"],
    code: EXIT.usage,
    pattern: /is not an absolute path/,
  },
];

Deno.test("hostile state directories: each refused with its exit code and message before any change", async (t) => {
  assert.ok(STATE_DIRS.length > 0);
  let cases = 0;
  for (const s of STATE_DIRS) {
    cases++;
    await t.step(s.what, () =>
      withLab(async (lab) => {
        const setup = await lab.sh(["sh", "-c", s.setup]);
        assert.equal(setup.code, 0, setup.stderr);
        const before = await lab.snapshot();
        for (const cmd of [["run", "netns", "--name", "s1", "--", "true"], ["undo"], ["status"]]) {
          const r = await lab.nsrecipe([...s.args, ...cmd]);
          assertExit(r, s.code, `${cmd[0]} with a state directory ${s.what}`);
          assert.match(r.stderr, s.pattern);
          assert.doesNotMatch(r.stderr, /internal error|missing Deno permission/);
        }
        assertSameHost(await lab.snapshot(), before, s.what);
        assert.equal(
          (await lab.sh(["test", "-e", "/run/elsewhere/journal.jsonl"])).code,
          1,
          "no journal behind a link",
        );
        assert.equal((await lab.sh(["test", "-e", "/tmp/nsrecipe-state"])).code, 1);
        for (const [path, text] of Object.entries(s.untouched ?? {})) {
          const now = await lab.sh(["cat", path]);
          assert.equal(now.code, 0, `${path} is still there: ${now.stderr}`);
          assert.equal(now.stdout, text, `${path} is untouched`);
        }
      }));
  }
  assert.equal(cases, STATE_DIRS.length);
});

/** Mounts a tmpfs of `pages` 4 KiB pages on /run/nsrecipe. */
async function tinyStateDir(lab: TestLab, pages: number): Promise<void> {
  const r = await lab.sh([
    "sh",
    "-c",
    `mkdir -p /run/nsrecipe && mount -t tmpfs -o size=${pages * 4}k,mode=0700 nsrecipe-full /run/nsrecipe`,
  ]);
  assert.equal(r.code, 0, r.stderr);
}

/** Fills the rest of /run/nsrecipe with a file, so no page is left. */
async function fillUp(lab: TestLab): Promise<void> {
  await lab.sh(["dd", "if=/dev/zero", "of=/run/nsrecipe/fill", "bs=4096", "count=64"]);
  assert.match((await lab.sh(["df", "--output=avail", "/run/nsrecipe"])).stdout, /^\s*0\s*$/m, "the disk is full");
}

Deno.test("full disk before the run: 'Cannot write to the journal', exit 3, nothing changed", async () => {
  await withLab(async (lab) => {
    await tinyStateDir(lab, 1);
    await fillUp(lab);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "netns", "--name", "f1", "--", "true"]);
    assertExit(r, EXIT.precondition, "run on a full disk");
    assert.match(r.stderr, /Cannot write to the journal '\/run\/nsrecipe\/journal.jsonl': No space left on device/);
    assert.match(r.stderr, /Free space in the state directory's filesystem/);
    assertSameHost(await lab.snapshot(), before, "run on a full disk");
  });
});

Deno.test("full disk at each journal write of a run: the host is rolled back, exit 3 or 5 says so, no half record is left; undo closes the run once space is free", async (t) => {
  // Measure each record's length with a normal run of the same parameters.
  const lengths = await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "f1"]), 0, "measuring run");
    const journal = await journalOf(lab);
    // The netns recipe's two steps: one record to begin, two per step, one to end.
    assert.deepEqual(sequence(journal.records), [
      "run-begin",
      "step-intent#0",
      "step-done#0",
      "step-intent#1",
      "step-done#1",
      "run-end",
    ]);
    return (await journalText(lab)).split("\n").filter(Boolean).map((l) => new TextEncoder().encode(l).length + 1);
  });
  assert.equal(lengths.length, 6, "one length per record");
  for (const [i, length] of lengths.entries()) {
    await t.step(`the disk fills up during journal write ${i + 1} of ${lengths.length}`, () =>
      withLab(async (lab) => {
        await tinyStateDir(lab, 2);
        // Leave room for the records before this one and half of this one, in the journal's only page.
        const room = lengths.slice(0, i).reduce((a, b) => a + b, 0) + Math.floor(length / 2);
        await lab.sh(["sh", "-c", `head -c ${4096 - room} /dev/zero | tr '\\0' '\\n' > /run/nsrecipe/journal.jsonl`]);
        await fillUp(lab);
        const before = await lab.snapshot();
        const r = await lab.nsrecipe(["run", "netns", "--name", "f1", "--", "true"]);
        assertExit(r, i === 0 ? EXIT.precondition : EXIT.attention, `run with room for ${room} bytes`);
        assert.match(r.stderr, /No space left on device/);
        if (i > 0) assert.match(r.stderr, /reverted every step on the host, but the journal .* could not record it/);
        assertSameHost(await lab.snapshot(), before, `disk full at write ${i + 1}`);
        const journal = await journalOf(lab);
        assert.deepEqual(journal.problems, [], "no half-written record was left behind");
        assert.equal(journal.records.length, i, "every record before the failing one is intact");
        await lab.sh(["rm", "/run/nsrecipe/fill"]);
        const undo = await lab.nsrecipe(["undo"]);
        assertExit(undo, 0, "undo once space is free");
        assertSameHost(await lab.snapshot(), before, "undo after the disk was freed");
        const after = await journalOf(lab);
        assert.deepEqual(after.problems, []);
        if (i > 0) assert.equal(endState(after.records), "undone");
      }));
  }
});

Deno.test("full disk during undo: the host is still restored, exit 5 says the journal could not record it; undo again closes the run", async () => {
  await withLab(async (lab) => {
    // Three pages: the journal's (padded to its end below), the checked mark's (the run leaves one), and one the fill
    // takes and gives back for undo's records.
    await tinyStateDir(lab, 3);
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "f1"]), 0, "run");
    assert.ok(await lab.readFile("/run/nsrecipe/journal.checked"), "the run left a checked mark");
    const size = (await journalText(lab)).length;
    await lab.sh(["sh", "-c", `head -c ${4096 - size} /dev/zero | tr '\\0' '\\n' >> /run/nsrecipe/journal.jsonl`]);
    await fillUp(lab);
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.attention, "undo on a full disk");
    assert.match(
      undo.stderr,
      /reverted every step on the host, but the journal .* could not record it \(No space left/,
    );
    assert.match(undo.stderr, /Free space in the state directory, then run 'nsrecipe undo'/);
    assertSameHost(await lab.snapshot(), before, "undo on a full disk");
    assert.deepEqual((await journalOf(lab)).problems, []);
    await lab.sh(["rm", "/run/nsrecipe/fill"]);
    const again = await lab.nsrecipe(["undo"]);
    assertExit(again, 0, "undo once space is free");
    // The namespace is gone (found already reverted); its 'lo up' step went with it (subsumed, not reverted).
    assert.match(
      again.stdout,
      /: 0 step\(s\) reverted, 1 went with netns 'f1', 1 found already reverted \(changed by hand\?\)\n$/,
    );
    assert.equal(endState((await journalOf(lab)).records), "undone");
  });
});

/** Runs nsrecipe in the lab with a replaced PATH (the deno binary is named by its absolute path). */
function withPath(lab: TestLab, path: string, args: string[]) {
  return lab.sh(["env", `PATH=${path}`, ...selfArgv(), ...args]);
}

Deno.test("'ip' missing from PATH: run and undo exit 3 naming it and its package, before any change; the journal is untouched", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "keep"]), 0, "a run to keep");
    const before = await lab.snapshot();
    const journal = await journalText(lab);
    for (const args of [["run", "netns", "--name", "p1", "--", "true"], ["undo"], ["undo", "--all"]]) {
      const r = await withPath(lab, "/nonexistent", args);
      assertExit(r, EXIT.precondition, `${args.join(" ")} without ip`);
      assert.match(
        r.stderr,
        /'ip', 'head', 'cat', 'stat', 'kill' and 'setpriv' were not found in PATH; nothing was changed\n {2}Install them \('apt install iproute2 coreutils procps util-linux'\) or fix PATH\.$/,
      );
    }
    assertSameHost(await lab.snapshot(), before, "without ip");
    assert.equal(await journalText(lab), journal);
  });
});

Deno.test("'unshare' missing from PATH: a run that would enter the namespace exits 3 before any change; setup-only runs and undo do not need it", async () => {
  await withLab(async (lab) => {
    const bin = await lab.sh([
      "sh",
      "-c",
      'mkdir /run/bin && for p in ip head cat stat kill setpriv; do ln -s "$(which $p)" /run/bin/$p; done',
    ]);
    assert.equal(bin.code, 0, bin.stderr);
    const before = await lab.snapshot();
    const r = await withPath(lab, "/run/bin", ["run", "netns", "--name", "u1", "--", "true"]);
    assertExit(r, EXIT.precondition, "run -- true without unshare");
    assert.match(r.stderr, /'unshare' was not found in PATH; nothing was changed/);
    assert.match(r.stderr, /apt install util-linux/);
    assertSameHost(await lab.snapshot(), before, "run without unshare");
    assert.deepEqual((await journalOf(lab)).records, []);
    const pidOnly = await withPath(lab, "/run/bin", ["run", "pid-only", "--", "true"]);
    assertExit(pidOnly, EXIT.precondition, "pid-only without unshare");
    assertExit(await withPath(lab, "/run/bin", ["run", "netns", "--name", "u1"]), 0, "setup-only run");
    assertExit(await withPath(lab, "/run/bin", ["undo"]), 0, "undo");
    assertSameHost(await lab.snapshot(), before, "setup-only run and undo without unshare");
  });
});

Deno.test("'unshare' or 'nft' only on a noexec mount (a regular file with execute bits that cannot be run): run netns, pid-only, veth-bridge with a command, veth-bridge --nat and its undo exit 3 before any change", async () => {
  await withLab(async (lab) => {
    const bin = await lab.sh([
      "sh",
      "-c",
      "mkdir /run/bin /run/nx && mount -t tmpfs -o noexec tmpfs /run/nx && " +
      'for p in ip head cat stat kill setpriv test true sysctl; do ln -s "$(which $p)" /run/bin/$p; done && ' +
      'cp "$(which unshare)" "$(which nft)" /run/nx/ && test -f /run/nx/unshare -a ! -x /run/nx/unshare',
    ]);
    assert.equal(bin.code, 0, bin.stderr);
    const before = await lab.snapshot();
    for (
      const args of [
        ["run", "netns", "--name", "x1", "--", "true"],
        ["run", "pid-only", "--", "true"],
        ["run", "veth-bridge", "--name", "x2", "--", "true"],
      ]
    ) {
      const r = await withPath(lab, "/run/bin:/run/nx", args);
      assertExit(r, EXIT.precondition, `${args.join(" ")} with unshare on a noexec mount`);
      assert.match(r.stderr, /'unshare' was not found in PATH; nothing was changed/);
      assertSameHost(await lab.snapshot(), before, args.join(" "));
      assert.deepEqual((await journalOf(lab)).records, [], `${args.join(" ")}: nothing journaled`);
    }
    // nft, first started by the NAT step after the host side is made, is refused before anything changes too.
    const nat = await withPath(lab, "/run/bin:/run/nx", ["run", "veth-bridge", "--name", "x3", "--nat"]);
    assertExit(nat, EXIT.precondition, "run veth-bridge --nat with nft on a noexec mount");
    assert.match(nat.stderr, /'nft' was not found in PATH; nothing was changed/);
    assertSameHost(await lab.snapshot(), before, "run --nat with nft on a noexec mount");
    assert.deepEqual((await journalOf(lab)).records, [], "run --nat: nothing journaled");
    // And so is an undo whose steps need it; with nft runnable, undo restores the host.
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "x4", "--nat"]), 0, "run --nat");
    const applied = await lab.snapshot();
    const journal = await journalText(lab);
    const undo = await withPath(lab, "/run/bin:/run/nx", ["undo"]);
    assertExit(undo, EXIT.precondition, "undo of a --nat run with nft on a noexec mount");
    assert.match(undo.stderr, /'nft' was not found in PATH; nothing was changed/);
    assertSameHost(await lab.snapshot(), applied, "a refused undo");
    assert.equal(await journalText(lab), journal, "a refused undo adds nothing to the journal");
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo");
    assertSameHost(await lab.snapshot(), before, "undo");
  });
});

Deno.test("not root: run and undo exit 3 with a clear message; nothing changed; the journal is untouched", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "keep"]), 0, "a run to keep");
    // Deno's module cache lives under /root (mode 0700): lend it to 'nobody' inside the lab only.
    const mount = await lab.sh([
      "sh",
      "-c",
      'mkdir -p /run/denodir /run/nobody && mount --bind "${DENO_DIR:-/root/.cache/deno}" /run/denodir',
    ]);
    assert.equal(mount.code, 0, mount.stderr);
    const before = await lab.snapshot();
    const journal = await journalText(lab);
    const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "DENO_DIR=/run/denodir"];
    for (const args of [["run", "netns", "--name", "r1", "--", "true"], ["undo"], ["undo", "--all"]]) {
      const r = await lab.sh([...asNobody, "HOME=/run/nobody", ...selfArgv(), ...args]);
      assertExit(r, EXIT.precondition, `${args.join(" ")} as uid 65534`);
      assert.match(r.stderr, /Not running as root \(uid 65534\): nsrecipe needs root .*; nothing was changed/);
      assert.match(r.stderr, /Run it again with sudo/);
    }
    const status = await lab.sh([...asNobody, "HOME=/run/nobody", ...selfArgv(), "status"]);
    assertExit(status, EXIT.precondition, "status as uid 65534");
    assert.match(status.stderr, /is owned by uid 0, not by you \(uid 65534\)/);
    assertSameHost(await lab.snapshot(), before, "as uid 65534");
    assert.equal(await journalText(lab), journal);
    assert.deepEqual(sequence((await journalOf(lab)).records).at(-1), "run-end");
  });
});
