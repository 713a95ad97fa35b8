/**
 * A batch of any length is one `ip -batch -`: its text is written in whole
 * lines of at most PIPE_BUF bytes a write (`lineChunks`), and a program given
 * a text longer than that dies with nsrecipe (`ORPHAN_GUARD`: setpriv(1)'s
 * parent-death signal; both in src/exec/runner.ts). This kills nsrecipe
 * (SIGKILL) in the middle of writing such a text, with full-migrate moving
 * 2,000 routes (4,000 lines, about 200 KB; undo's 2,000 lines, 100 KB: more
 * than the pipe's 64 KB, so nsrecipe is still writing): the pipe holds whole
 * lines only (a line cut short could run as another command, `route add
 * 10.101.23.0/2 …`, which no undo knows of), the `ip` dies with nsrecipe (an
 * orphan working through 64 KB of lines could race the undo that follows),
 * and undo restores the host exactly. The same for undo killed inside its
 * own batch, then undo again.
 */
import assert from "node:assert/strict";
import { selfArgv } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft, assertSameHost, KILLED } from "../support/reliability.ts";

const ROUTES = 2000;
const MIGRATE = ["run", "full-migrate", "--name", "m", "--address", "198.51.100.50/24", "--no-confirm"];

/**
 * The lab's `ip` for nsrecipe (first in its PATH): a host batch (`-batch -`, not the reads' `-force`, not a netns's
 * `-n`) stops itself (SIGSTOP) before it execs ip, so that it reads nothing until let go.
 */
const IP_WRAPPER = (ip: string) =>
  `#!/bin/sh\ncase " $* " in *" -force "*|*" -n "*) ;; *" -batch - "*) kill -STOP $$ ;; esac\nexec ${ip} "$@"\n`;

/** Run inside the lab with nsrecipe's argv (see its own comment). */
const CONTROLLER = String.raw`
import fcntl, json, os, signal, struct, subprocess, sys, termios, time

# Runs nsrecipe ARGS with /run/ktest first in PATH, whose ip wrapper stops itself (SIGSTOP) before it execs ip for
# a host batch. Each stopped wrapper is let go (SIGCONT) unless nsrecipe is still writing its text and has filled the
# pipe (at least FULL queued, the writer end still open in nsrecipe): then nsrecipe is killed (SIGKILL) mid-write.
# Prints a JSON result: nsrecipe's exit code, the bytes the pipe held, whether they ended a line, and whether the
# stopped ip died with nsrecipe.
# Full: nsrecipe writes whole lines at most PIPE_BUF (4096) bytes a write, so once less than that is free in the
# 64 KB pipe it is blocked in its next write; killing at half of it (as before) let a loaded machine's kill land
# while nsrecipe was still filling it (44,842 bytes queued once, under a load of 16 on 2 cores).
FULL = 65536 - 4096
p = subprocess.Popen(sys.argv[1:], env=dict(os.environ, PATH="/run/ktest:" + os.environ["PATH"]),
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def stopped():
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open(f"/proc/{d}/stat").read()
            cmd = open(f"/proc/{d}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if stat[stat.rindex(")") + 2] == "T" and len(cmd) > 1 and cmd[1] == b"/run/ktest/ip":
            found.append(int(d))
    return found

def dead(pid):
    try:
        return open(f"/proc/{pid}/stat").read().split(") ")[1][0] in "ZX"
    except OSError:
        return True

def holds(pid, link):
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{f}") == link for f in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False

result = {"code": None, "queued": None, "wholeLines": None, "orphanEnded": None}
while result["queued"] is None and p.poll() is None:
    for w in stopped():
        link = os.readlink(f"/proc/{w}/fd/0")
        fd = os.open(f"/proc/{w}/fd/0", os.O_RDONLY | os.O_NONBLOCK)
        try:
            last, since = -1, time.time()
            while True:
                queued = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                if queued != last:
                    last, since = queued, time.time()
                # Blocked short of FULL (a pipe's pages filled unevenly): the same bytes for 2 s count as full, so the
                # test reports them instead of waiting for ever.
                stuck = queued > 0 and time.time() - since > 2
                if (queued >= FULL or stuck) and holds(p.pid, link):
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
                    # The stopped ip must die with nsrecipe (its parent-death signal), before it reads a byte.
                    until = time.time() + 5
                    while time.time() < until and not dead(w):
                        time.sleep(0.005)
                    result["orphanEnded"] = dead(w)
                    # What ip would have read (the pipe stays open through this process's own descriptor).
                    data = b""
                    while True:
                        try:
                            chunk = os.read(fd, 65536)
                        except BlockingIOError:
                            break
                        if not chunk:
                            break
                        data += chunk
                    result["queued"] = len(data)
                    result["wholeLines"] = data.endswith(b"\n")
                    break
                if not holds(p.pid, link):
                    break
                time.sleep(0.002)
        finally:
            os.close(fd)
        if not dead(w):
            os.kill(w, signal.SIGCONT)
        if result["queued"] is not None:
            while not dead(w):
                time.sleep(0.005)
            break
    time.sleep(0.002)
code = p.wait()
result["code"] = 128 - code if code < 0 else code
print(json.dumps(result))
`;

/**
 * Runs `nsrecipe ARGS` in the lab and SIGKILLs it in the middle of writing a
 * host batch's text: its `ip` stopped before reading a byte, the pipe (64 KB)
 * full, nsrecipe still holding its end to write the rest. Deterministic: no
 * timing decides where the kill lands.
 * @returns nsrecipe's exit code, the bytes the pipe held when it was killed (`null`: it never was), whether
 *   they end a line (the text of whole-line writes of at most PIPE_BUF bytes does; a 200 KB write would not), and
 *   whether the stopped `ip` died with nsrecipe (within 5 s).
 */
async function killMidWrite(
  lab: TestLab,
  args: string[],
): Promise<{ code: number; queued: number | null; wholeLines: boolean | null; orphanEnded: boolean | null }> {
  const ip = (await lab.sh(["sh", "-c", "command -v ip"])).stdout.trim();
  const made = await lab.sh(
    ["sh", "-c", "mkdir -p /run/ktest && cat > /run/ktest/ip && chmod 755 /run/ktest/ip"],
    IP_WRAPPER(ip),
  );
  assert.equal(made.code, 0, made.stderr);
  const r = await lab.sh(["/usr/bin/python3", "-c", CONTROLLER, ...selfArgv(), ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** How many of the test's routes (10.100.0.0/24 …) go through `dev` now. */
async function routesVia(lab: TestLab, dev: string): Promise<number> {
  const r = await lab.sh(["ip", "-4", "route", "show", "dev", dev]);
  return r.stdout.split("\n").filter((l) => /^10\.1\d\d\.\d+\.0\/24 via 198\.51\.100\.1 /.test(l)).length;
}

Deno.test("full-migrate moving 2,000 routes, SIGKILLed while writing its one ip -batch (run, then undo): whole lines in the pipe, the ip dies with it, undo restores the host exactly", async () => {
  await withLab(async (lab) => {
    const added = await lab.sh(
      ["ip", "-batch", "-"],
      Array.from(
        { length: ROUTES },
        (_, i) => `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 via 198.51.100.1 dev eth0\n`,
      )
        .join(""),
    );
    assert.equal(added.code, 0, added.stderr);
    const before = await lab.snapshot();
    {
      const what = "run killed while writing its batch";
      const run = await killMidWrite(lab, MIGRATE);
      assert.equal(run.code, KILLED, `${what}: exit ${run.code}`);
      assert.ok(run.queued !== null && run.queued > 60_000 && run.queued <= 65536, `${what}: ${run.queued} bytes`);
      assert.equal(run.wholeLines, true, `${what}: the pipe held a line cut short`);
      assert.equal(run.orphanEnded, true, `${what}: its ip outlived it`);
      // Its ip never ran a line: every route still on eth0.
      assert.deepEqual([await routesVia(lab, "eth0"), await routesVia(lab, "br0")], [ROUTES, 0], what);
      assertExit(await lab.nsrecipe(["undo", "--all"]), 0, `${what}, then undo`);
      assertSameHost(await lab.snapshot(), before, `${what}, then undo`);
      await assertNoNetnsLeft(lab);
    }
    {
      const what = "undo killed while writing its batch";
      assertExit(await lab.nsrecipe(MIGRATE), 0, `${what}: the run`);
      assert.equal(await routesVia(lab, "br0"), ROUTES, `${what}: the run moved every route`);
      const undo = await killMidWrite(lab, ["undo", "m"]);
      assert.equal(undo.code, KILLED, `${what}: exit ${undo.code}`);
      assert.ok(undo.queued !== null && undo.queued > 60_000 && undo.queued <= 65536, `${what}: ${undo.queued} bytes`);
      assert.equal(undo.wholeLines, true, `${what}: the pipe held a line cut short`);
      assert.equal(undo.orphanEnded, true, `${what}: its ip outlived it`);
      // Its ip never ran a line: every route still on br0.
      assert.deepEqual([await routesVia(lab, "br0"), await routesVia(lab, "eth0")], [ROUTES, 0], what);
      assertExit(await lab.nsrecipe(["undo", "--all"]), 0, `${what}, then undo again`);
      assertSameHost(await lab.snapshot(), before, `${what}, then undo again`);
      await assertNoNetnsLeft(lab);
    }
  });
});
