/**
 * A batch of any length is one `ip -batch -`, its text written in whole lines
 * of at most PIPE_BUF bytes a write (`lineChunks`, src/exec/runner.ts). This
 * kills nsrecipe (SIGKILL) while that process runs, with full-migrate moving
 * 2,000 routes (4,000 lines, about 200 KB; undo's 2,000 lines, 100 KB: more
 * than the pipe's 64 KB, so nsrecipe is still writing while `ip` works
 * through the first lines): `ip`
 * runs the whole lines it got and ends; a line cut short would have run as
 * another command (`route add 10.101.23.0/2 …`), which no undo knows of.
 * Then undo must restore the host exactly. The same for undo killed inside
 * its own batch (the routes moved back), then undo again.
 */
import assert from "node:assert/strict";
import { posixQuote } from "../../src/exec/mod.ts";
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
# pipe (at least HALF queued, the writer end still open in nsrecipe): then nsrecipe is killed (SIGKILL) mid-write,
# and the wrapper let go, to run what the pipe holds. Prints a JSON result: nsrecipe's exit code, the bytes the pipe
# held, and whether they ended a line.
HALF = 32768
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

def holds(pid, link):
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{f}") == link for f in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False

result = {"code": None, "queued": None, "wholeLines": None}
while result["queued"] is None and p.poll() is None:
    for w in stopped():
        link = os.readlink(f"/proc/{w}/fd/0")
        fd = os.open(f"/proc/{w}/fd/0", os.O_RDONLY | os.O_NONBLOCK)
        try:
            while True:
                queued = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
                if queued >= HALF and holds(p.pid, link):
                    os.kill(p.pid, signal.SIGKILL)
                    p.wait()
                    # What ip will read: taken out to look at its end, then put back as it was (the pipe reopened
                    # for writing through /proc), before ip is let go.
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
                    back = os.open(f"/proc/{w}/fd/0", os.O_WRONLY)
                    os.write(back, data)
                    os.close(back)
                    break
                if not holds(p.pid, link):
                    break
                time.sleep(0.002)
        finally:
            os.close(fd)
        os.kill(w, signal.SIGCONT)
        if result["queued"] is not None:
            while os.path.exists(f"/proc/{w}") and open(f"/proc/{w}/stat").read().split(") ")[1][0] != "Z":
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
 * full, nsrecipe still holding its end to write the rest. `ip` is then let go
 * and runs the whole lines the pipe holds. Deterministic: no timing decides
 * where the kill lands.
 * @returns nsrecipe's exit code, the bytes the pipe held when it was killed (`null`: it never was), and whether
 *   they end a line (the text of whole-line writes of at most PIPE_BUF bytes does; a 200 KB write would not).
 */
async function killMidWrite(
  lab: TestLab,
  args: string[],
): Promise<{ code: number; queued: number | null; wholeLines: boolean | null }> {
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

Deno.test("full-migrate moving 2,000 routes, SIGKILLed while its one ip -batch runs (run, then undo): undo restores the host exactly", async () => {
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
      // ip ran the ~64 KB it got, whole lines: the bridge and the first ~1,250 deletions from eth0; no add on br0.
      const [left, moved] = [await routesVia(lab, "eth0"), await routesVia(lab, "br0")];
      assert.ok(left > 0 && left < ROUTES && moved === 0, `${what}: ${left} routes on eth0, ${moved} on br0`);
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
      // The first ~1,300 routes deleted from br0, none yet back on eth0.
      const [left, back] = [await routesVia(lab, "br0"), await routesVia(lab, "eth0")];
      assert.ok(left > 0 && left < ROUTES && back === 0, `${what}: ${left} routes on br0, ${back} on eth0`);
      assertExit(await lab.nsrecipe(["undo", "--all"]), 0, `${what}, then undo again`);
      assertSameHost(await lab.snapshot(), before, `${what}, then undo again`);
      await assertNoNetnsLeft(lab);
    }
  });
});
