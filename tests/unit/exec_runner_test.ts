import assert from "node:assert/strict";
import { CommandError, EXIT } from "../../src/errors.ts";
import {
  exitCodeOf,
  installHint,
  lineChunks,
  ORPHAN_GUARD,
  PACKAGE_OF,
  PIPE_BUF,
  type ProcessEnd,
  processes,
  realRunner,
  type Spawn,
  stdinTrace,
  type Stdio,
} from "../../src/exec/mod.ts";

Deno.test("realRunner passes each argument as one argv element, never through a shell: 'a;touch FILE' runs nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nsrecipe-argv-" });
  try {
    const file = `${dir}/x`;
    const hostile = [
      `a;touch ${file}`,
      `$(touch ${file})`,
      `\`touch ${file}\``,
      `a && touch ${file}`,
      `a\ntouch ${file}`,
    ];
    for (const arg of hostile) {
      const r = await realRunner()(["printf", "%s", arg]);
      assert.equal(r.stdout, arg, "the program received the string unchanged");
    }
    assert.equal(await Deno.stat(file).then(() => true, () => false), false, `${file} never appeared`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("realRunner: a program that is not installed is a CommandError with code -1, exit code precondition, and an install hint", async () => {
  const e = await realRunner()(["nsrecipe-no-such-program"]).then(() => undefined, (e) => e);
  assert.ok(e instanceof CommandError);
  assert.equal(e.code, -1);
  assert.equal(e.exitCode, EXIT.precondition);
  assert.match(e.message, /could not be started: 'nsrecipe-no-such-program' was not found in PATH/);
  assert.match(e.hint, /fix PATH/);
});

/** A fake spawn: records argv and stdio; each program ends as `ends` says; `missing` programs are not in PATH. */
function fakeSpawn(ends: Record<string, ProcessEnd>, missing: string[] = []) {
  const seen: { argv: readonly string[]; stdio: Stdio }[] = [];
  const spawn: Spawn = (argv, stdio) => {
    if (missing.includes(argv[0])) throw new Deno.errors.NotFound(`No such file or directory (os error 2)`);
    seen.push({ argv, stdio });
    const end = { ...(ends[argv[0]] ?? { code: 0, signal: null }), stdout: new Uint8Array(), stderr: new Uint8Array() };
    return { pid: 4242, writeStdin: () => Promise.resolve(), wait: () => Promise.resolve(end), kill() {}, unref() {} };
  };
  return { spawn, seen };
}

Deno.test("processes: every way of starting a program reports one that is not in PATH the same way, with the package to install", async () => {
  const { spawn } = fakeSpawn({}, ["setsid", "ping", "ip"]);
  const p = processes({ spawn });
  const errors = [
    await p.run(["ip", "link"]).then(() => undefined, (e) => e),
    await p.interactive(["ip", "netns", "exec", "web", "sh"]).then(() => undefined, (e) => e),
    (() => {
      try {
        p.detached(["setsid", "nsrecipe"]);
      } catch (e) {
        return e;
      }
    })(),
    (() => {
      try {
        p.background(["ping", "198.51.100.1"]);
      } catch (e) {
        return e;
      }
    })(),
  ];
  assert.deepEqual(errors.map((e) => e instanceof CommandError && e.code), [-1, -1, -1, -1]);
  assert.deepEqual(errors.map((e) => (e as CommandError).hint), [
    "Install it ('apt install iproute2') or fix PATH.",
    "Install it ('apt install iproute2') or fix PATH.",
    "Install it ('apt install util-linux') or fix PATH.",
    "Install it ('apt install iputils-ping') or fix PATH.",
  ]);
});

Deno.test("processes: a program killed by a signal exits 128 + its number in every mode (SIGKILL 137, SIGTERM 143, SIGINT 130)", async () => {
  const { spawn, seen } = fakeSpawn({
    ip: { code: 0, signal: "SIGKILL" },
    sh: { code: 0, signal: "SIGTERM" },
    ping: { code: 0, signal: "SIGINT" },
  });
  const p = processes({ spawn });
  assert.equal((await p.run(["ip", "link"], { okCodes: [137] })).code, 137);
  assert.equal(await p.interactive(["sh"]), 143);
  assert.equal((await p.background(["ping", "x"]).stop()).code, 130);
  assert.equal(p.detached(["setsid", "x"]), 4242);
  assert.deepEqual(seen.map((s) => s.stdio), ["captured", "terminal", "background", "detached"]);
});

Deno.test("processes: --verbose traces every process, whichever way it is started", async () => {
  const lines: string[] = [];
  const p = processes({ spawn: fakeSpawn({}).spawn, trace: (l) => lines.push(l) });
  await p.run(["ip", "link"]);
  await p.interactive(["sh"]);
  p.detached(["setsid", "w"]);
  await p.background(["ping", "x"]).stop();
  assert.deepEqual(lines.map((l) => l.replace(/\d+ ms/, "N ms")), [
    "$ ip link  (exit 0, N ms)",
    `$ sh  (${Deno.stdin.isTerminal() ? "interactive" : "stdio inherited"})`,
    "$ setsid w  (detached)",
    "$ ping x  (background)",
  ]);
});

Deno.test("processes: --verbose shows the lines an ip -batch read on stdin, one '  < LINE' each", async () => {
  const lines: string[] = [];
  const p = processes({ spawn: fakeSpawn({ ip: { code: 1, signal: null } }).spawn, trace: (l) => lines.push(l) });
  const batch = "addr add 10.200.0.1/24 dev br0\nlink set dev veth-a master br0\n";
  await p.run(["ip", "-batch", "-"], { stdin: batch, okCodes: [1] });
  await p.run(["ip", "-n", "web", "-batch", "-"], { stdin: "route add 10.9.0.0/24 dev eth0", okCodes: [1] });
  assert.deepEqual(lines.map((l) => l.replace(/\d+ ms/, "N ms")), [
    "$ ip -batch -  (exit 1, N ms)\n  < addr add 10.200.0.1/24 dev br0\n  < link set dev veth-a master br0",
    "$ ip -n web -batch -  (exit 1, N ms)\n  < route add 10.9.0.0/24 dev eth0",
  ]);
  assert.equal(stdinTrace(undefined), "");
  assert.equal(stdinTrace(""), "");
});

Deno.test("exitCodeOf: an exit code as is; a signal as 128 + its number", () => {
  assert.equal(exitCodeOf({ code: 3, signal: null }), 3);
  assert.equal(exitCodeOf({ code: 0, signal: "SIGHUP" }), 129);
  assert.equal(exitCodeOf({ code: 0, signal: "SIGKILL" }), 137);
});

Deno.test("every program the permission set lets nsrecipe start has its Debian package in the one hint table", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const programs: string[] = config.permissions.default.run;
  assert.ok(programs.length > 5, programs.join(", "));
  assert.deepEqual(programs.filter((p) => !(p in PACKAGE_OF)), []);
  assert.equal(installHint("ip"), "Install it ('apt install iproute2') or fix PATH.");
});

/** A fake `head -n 1` that ends as told, with `stdout`; records the signals it is sent. */
function fakeReader(end: ProcessEnd, stdout: string) {
  const seen: { argv: readonly string[]; stdio: Stdio }[] = [];
  const killed: Deno.Signal[] = [];
  const spawn: Spawn = (argv, stdio) => {
    seen.push({ argv, stdio });
    const out = { ...end, stdout: new TextEncoder().encode(stdout), stderr: new Uint8Array() };
    return {
      pid: 4242,
      writeStdin: () => Promise.resolve(),
      wait: () => Promise.resolve(out),
      kill: (s) => void killed.push(s),
      unref() {},
    };
  };
  return { spawn, seen, killed };
}

Deno.test("processes.readLine: the line typed, without its newline, read by 'head -n 1' on the terminal", async () => {
  const { spawn, seen } = fakeReader({ code: 0, signal: null }, "yes\n");
  const reader = processes({ spawn }).readLine();
  assert.equal(await reader.line, "yes");
  assert.deepEqual(seen, [{ argv: ["head", "-n", "1"], stdio: "terminal-line" }]);
  assert.equal(await processes({ spawn: fakeReader({ code: 0, signal: null }, "\n").spawn }).readLine().line, "");
});

Deno.test("processes.readLine: no line when stdin ended empty, or a signal (Ctrl-C, stop) ended the reader", async () => {
  assert.equal(await processes({ spawn: fakeReader({ code: 0, signal: null }, "").spawn }).readLine().line, undefined);
  assert.equal(
    await processes({ spawn: fakeReader({ code: 130, signal: "SIGINT" }, "").spawn }).readLine().line,
    undefined,
  );
  const { spawn, killed } = fakeReader({ code: 137, signal: "SIGKILL" }, "");
  const reader = processes({ spawn }).readLine();
  await reader.stop();
  assert.deepEqual(killed, ["SIGKILL"]);
  assert.equal(await reader.line, undefined);
});

Deno.test("realRunner: a captured command runs in a session of its own, out of reach of the terminal's Ctrl-C and hangup", async () => {
  // proc(5): /proc/PID/stat fields 1 (pid), 5 (pgrp) and 6 (session); the command (comm) has no space here.
  const [pid, , , , pgrp, session] = (await realRunner()(["cat", "/proc/self/stat"])).stdout.split(" ");
  assert.equal(session, pid, "the command leads its own session");
  assert.equal(pgrp, pid, "and its own process group");
  const ours = (await Deno.readTextFile("/proc/self/stat")).replace(/^.*\) /, "").split(" ")[3];
  assert.notEqual(session, ours);
});

Deno.test("realRunner: a command that exits without reading its stdin is answered by its exit code and stderr, not a broken pipe", async () => {
  // 1 MiB is more than a pipe holds (pipe(7): 64 KiB), so the write meets the closed end whatever the timing.
  const stdin = "x".repeat(1 << 20);
  const argv = ["sh", "-c", "exec 0<&-; echo 'no such namespace' >&2; exit 3"];
  const r = await realRunner()(argv, { stdin, okCodes: [3] });
  assert.equal(r.code, 3);
  assert.equal(r.stderr.trim(), "no such namespace");
  const e = await realRunner()(argv, { stdin }).then(() => undefined, (e) => e);
  assert.ok(e instanceof CommandError, String(e));
  assert.equal(e.code, 3);
});

Deno.test("lineChunks: whole lines of at most PIPE_BUF bytes each, in order, bytes not characters; an over-long line alone", () => {
  const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c));
  assert.equal(PIPE_BUF, 4096);
  assert.deepEqual(text(lineChunks("a b\nc d\ne f\n", 8)), ["a b\nc d\n", "e f\n"]);
  assert.deepEqual(text(lineChunks("a b\nc d e f g\nh\n", 8)), ["a b\n", "c d e f g\n", "h\n"]);
  assert.deepEqual(text(lineChunks("a b\nc d\nno end", 8)), ["a b\nc d\n", "no end"]);
  assert.deepEqual(lineChunks(""), []);
  // 'é' is two bytes in UTF-8: 'é\né\n' is 6 bytes, one chunk of 6; 'é\néé\n' is 8, two.
  assert.deepEqual(text(lineChunks("é\né\n", 6)), ["é\né\n"]);
  assert.deepEqual(text(lineChunks("é\néé\n", 6)), ["é\n", "éé\n"]);
  // 4096 bytes exactly is one chunk; one byte more is two.
  const line = `${"x".repeat(1023)}\n`;
  assert.deepEqual(lineChunks(line.repeat(4)).map((c) => c.length), [4096]);
  assert.deepEqual(lineChunks(line.repeat(3) + "y" + line).map((c) => c.length), [3072, 1025]);
  // 1,000 route lines: every chunk is at most PIPE_BUF bytes, ends a line, and together they are the text.
  const routes = Array.from(
    { length: 1000 },
    (_, i) => `route add 10.${i >> 8}.${i & 255}.0/24 via 198.51.100.1 dev eth0\n`,
  )
    .join("");
  const chunks = lineChunks(routes);
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  for (const [i, c] of chunks.entries()) {
    assert.ok(c.length <= PIPE_BUF, String(c.length));
    assert.equal(c.at(-1), 0x0a, "ends a line");
    // As full as whole lines allow: the next chunk's first line would not have fitted.
    if (i < chunks.length - 1) assert.ok(c.length + chunks[i + 1].indexOf(0x0a) + 1 > PIPE_BUF, String(c.length));
  }
  assert.equal(text(chunks).join(""), routes);
});

Deno.test("processes: a stdin text of many PIPE_BUF chunks reaches the program whole and in order", async () => {
  const text = Array.from({ length: 5000 }, (_, i) => `line ${i}\n`).join("");
  const r = await realRunner()(["cat"], { stdin: text });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, text);
});

Deno.test("processes: a stdin text longer than PIPE_BUF goes to a program started by setpriv --pdeathsig KILL; a shorter one, or none, not", async () => {
  const { spawn, seen } = fakeSpawn({});
  const traced: string[] = [];
  const p = processes({ spawn, trace: (l) => traced.push(l) });
  await p.run(["ip", "-batch", "-"], { stdin: "x".repeat(4095) + "\n" });
  await p.run(["ip", "-batch", "-"], { stdin: "x".repeat(4096) + "\n" });
  await p.run(["ip", "link"]);
  assert.deepEqual(ORPHAN_GUARD, ["setpriv", "--pdeathsig", "KILL", "--"]);
  assert.deepEqual(seen.map((s) => s.argv), [
    ["ip", "-batch", "-"],
    ["setpriv", "--pdeathsig", "KILL", "--", "ip", "-batch", "-"],
    ["ip", "link"],
  ]);
  // --verbose shows the command as it was started.
  assert.match(traced[1], /^\$ setpriv --pdeathsig KILL -- ip -batch - {2}\(exit 0, /);
});

Deno.test("processes: the timeout runs while stdin is written: a program that stops reading a text longer than the pipe is killed at the bound", async () => {
  const text = Array.from({ length: 4000 }, (_, i) => `route add 10.${i >> 8}.${i & 255}.0/24 dev eth0\n`).join("");
  assert.ok(new TextEncoder().encode(text).length > 65536 * 2);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 30_000)));
  const r = await Promise.race([
    realRunner()(["sh", "-c", "kill -STOP $$; cat"], { stdin: text, timeoutMs: 1000, okCodes: [137] }),
    late,
  ]).finally(() => clearTimeout(timer));
  assert.notEqual(r, "late", "still writing 30 s later: the bound did not run during the write");
  const end = r as Exclude<typeof r, "late">;
  assert.equal(end.code, 137);
  assert.match(end.stderr, /timed out after 1000 ms and was killed/);
});

Deno.test("processes: a program given a long stdin text dies with nsrecipe (SIGKILL), not left to run the text on its own", async () => {
  const script = `
    import { realRunner } from ${JSON.stringify(new URL("../../src/exec/mod.ts", import.meta.url).href)};
    const text = "x\\n".repeat(5000);
    await realRunner()(["sh", "-c", "echo $$ > " + Deno.args[0] + "; kill -STOP $$; cat"], { stdin: text });
  `;
  const dir = await Deno.makeTempDir({ prefix: "nsrecipe-orphan-" });
  try {
    const pidFile = `${dir}/pid`;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script, pidFile],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let pid = 0;
    for (let i = 0; i < 600 && !pid; i++) {
      pid = Number(await Deno.readTextFile(pidFile).catch(() => "0")) || 0;
      if (!pid) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(pid > 0, "the program started");
    child.kill("SIGKILL");
    await child.status;
    await child.stderr.cancel();
    // Its parent-death signal ends it (a zombie until init reaps it), stopped as it is.
    const state = async () =>
      await Deno.readTextFile(`/proc/${pid}/stat`).then((t) => t.slice(t.lastIndexOf(")") + 2)[0], () => "gone");
    let seen = await state();
    for (let i = 0; i < 100 && !["Z", "X", "gone"].includes(seen); i++) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await state();
    }
    if (!["Z", "X", "gone"].includes(seen)) Deno.kill(pid, "SIGKILL");
    assert.ok(["Z", "X", "gone"].includes(seen), `the program outlived nsrecipe (state ${seen})`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
