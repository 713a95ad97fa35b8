/**
 * Sockets bound to the uplink by name (SO_BINDTODEVICE: keepalived, dnsmasq or a DHCP server with bind-interfaces, a TCP service) stop
 * receiving once the uplink is a bridge port. doctor and plan name them with
 * their processes before any change; run refuses them (exit 3, host
 * unchanged) unless --force; a socket bound to another link is no concern.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

const MIGRATE = ["full-migrate", "--name", "fm", "--address", "198.51.100.50/24"];

/** A UDP socket (:5000), an IPv6 UDP one (:547, a DHCPv6 server's) and a TCP listener (:8080) bound to eth0, a UDP one to lo. */
const SERVICES = `
import os, socket, time
def bound(s, dev):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev)
    return s
u = bound(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), b"eth0"); u.bind(("", 5000))
r = bound(socket.socket(socket.AF_INET6, socket.SOCK_DGRAM), b"eth0"); r.bind(("::", 547))
t = bound(socket.socket(socket.AF_INET, socket.SOCK_STREAM), b"eth0"); t.bind(("", 8080)); t.listen()
l = bound(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), b"lo"); l.bind(("127.0.0.1", 5001))
print(os.getpid(), flush=True)
time.sleep(600)
`;

/** Starts the services in the lab; returns their PID inside the lab once ss lists them. */
async function startServices(lab: TestLab): Promise<{ pid: string; child: Deno.ChildProcess }> {
  const child = lab.spawn(["/usr/bin/python3", "-c", SERVICES]);
  let pid = "";
  await waitFor("the bound sockets", async () => {
    const r = await lab.sh(["ss", "-H", "-l", "-n", "-p", "-u"]);
    const m = /(\*|0\.0\.0\.0)%eth0:5000 .*pid=(\d+)/.exec(r.stdout);
    pid = m?.[2] ?? "";
    return pid !== "";
  });
  return { pid, child };
}

Deno.test("sockets bound to the uplink (UDP, IPv6 UDP, TCP): doctor and plan name them with their process, run refuses (exit 3, nothing changed), --force goes ahead and says so; undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const { pid, child } = await startServices(lab);
    try {
      const named = [
        new RegExp(`udp (\\*|0\\.0\\.0\\.0)%eth0:5000 \\(python3 \\(pid ${pid}\\)\\)`),
        new RegExp(`udp (\\*|\\[::\\])%eth0:547 \\(python3 \\(pid ${pid}\\)\\)`),
        new RegExp(`tcp (\\*|0\\.0\\.0\\.0)%eth0:8080 \\(python3 \\(pid ${pid}\\)\\)`),
      ];
      // Doctor's text is wrapped (to 80 columns into a pipe): read as one run of words.
      const doctor = (await lab.nsrecipe(["doctor"])).stdout.replace(/\s+/g, " ");
      assert.match(doctor, /Services are bound to 'eth0' by name \(SO_BINDTODEVICE\)/);
      for (const re of named) assert.match(doctor, re);
      assert.doesNotMatch(doctor, /%lo:5001/, "a socket bound to lo is no concern");
      const plan = await lab.nsrecipe(["plan", ...MIGRATE]);
      assertExit(plan, EXIT.precondition, "plan");
      for (const re of named) assert.match(plan.stderr, re);
      assert.match(plan.stderr, /stop receiving once it is a port of 'br0'/);
      // P27: the plan run --force would apply is shown, and the refusal named once, as run's.
      assert.match(plan.stdout, /ip link set dev eth0 master br0/, plan.stdout);
      assert.match(
        plan.stderr,
        /^nsrecipe: 'nsrecipe run' refuses this plan unless --force: Services are bound to 'eth0'/m,
      );
      assert.equal(plan.stderr.split("\n").filter((l) => l.includes("Services are bound")).length, 1, plan.stderr);
      const run = await lab.nsrecipe(["run", ...MIGRATE, "--no-confirm"]);
      assertExit(run, EXIT.precondition, "run");
      assert.match(run.stderr, /pass --force to go ahead/);
      assertSameHost(await lab.snapshot(), before, "a refused run");
      const forced = await lab.nsrecipe(["run", ...MIGRATE, "--no-confirm", "--force"]);
      assertExit(forced, EXIT.ok, "run --force");
      assert.match(forced.stdout + forced.stderr, /Services are bound to 'eth0'.*Going ahead \(--force\)/s);
      assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo");
      assertSameHost(await lab.snapshot(), before, "undo");
    } finally {
      await lab.sh(["kill", "-KILL", pid]);
      await child.output();
    }
  });
});

Deno.test("only a socket bound to another link (lo): doctor says no socket is bound to the uplink, and full-migrate runs", async () => {
  await withLab(async (lab) => {
    const child = lab.spawn([
      "/usr/bin/python3",
      "-c",
      "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n" +
      's.setsockopt(socket.SOL_SOCKET,socket.SO_BINDTODEVICE,b"lo")\ns.bind(("127.0.0.1",5001))\ntime.sleep(60)',
    ]);
    let pid = "";
    try {
      await waitFor("the socket on lo", async () => {
        pid = /%lo:5001 .*pid=(\d+)/.exec((await lab.sh(["ss", "-H", "-l", "-n", "-p", "-u"])).stdout)?.[1] ?? "";
        return pid !== "";
      });
      const doctor = (await lab.nsrecipe(["doctor"])).stdout.replace(/\s+/g, " ");
      assert.match(doctor, /No firewall rule matches on 'eth0' by name and no socket is bound to it/);
      assertExit(await lab.nsrecipe(["run", ...MIGRATE, "--no-confirm"]), EXIT.ok, "run");
      assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo");
    } finally {
      if (pid) await lab.sh(["kill", "-KILL", pid]);
      await child.output();
    }
  });
});

/** Raw sockets bound to eth0: keepalived's VRRP (IPv4, protocol 112), radvd's ICMPv6 (IPv6, protocol 58). */
const RAW_SERVICES = `
import os, socket, time
v = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
v.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
r = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 58)
r.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0")
print(os.getpid(), flush=True)
time.sleep(600)
`;

Deno.test("F18: raw sockets bound to the uplink (VRRP, ICMPv6, 'ping -I eth0'): named as bound where the kernel has raw_diag, else doctor and plan say they could not be checked, naming them", async () => {
  const lab = await TestLab.start();
  const services = lab.spawn(["/usr/bin/python3", "-c", RAW_SERVICES]);
  const pinger = lab.spawn(["ping", "-I", "eth0", "-i", "0.5", "-w", "120", "198.51.100.1"]);
  const pids: string[] = [];
  try {
    await waitFor("the raw sockets", async () => {
      const r = await lab.sh(["ss", "-H", "-a", "-n", "-p", "-w"]);
      pids.splice(
        0,
        pids.length,
        ...["python3", "ping"].flatMap((p) =>
          /pid=(\d+)/.exec(
            r.stdout.split("\n").find((l) => l.includes(`"${p}"`)) ?? "",
          )?.[1] ?? []
        ),
      );
      return pids.length === 2;
    });
    const [py, ping] = pids;
    const rawDiag = /\sraw_diag_dump(\s|$)/m.test((await lab.sh(["cat", "/proc/kallsyms"])).stdout);
    // Doctor's text is wrapped (to 80 columns into a pipe): read as one run of words.
    const doctor = { stdout: (await lab.nsrecipe(["doctor"])).stdout.replace(/\s+/g, " ") };
    const plan = await lab.nsrecipe(["plan", ...MIGRATE]);
    const sockets = [
      new RegExp(`raw (\\*|0\\.0\\.0\\.0)(%eth0)?:(112|vrrp) \\(python3 \\(pid ${py}\\)\\)`),
      new RegExp(`raw (\\*|\\[::\\])(%eth0)?:(58|ipv6-icmp) \\(python3 \\(pid ${py}\\)\\)`),
      new RegExp(`raw (\\*|0\\.0\\.0\\.0)(%eth0)?:(1|icmp) \\(ping \\(pid ${ping}\\)\\)`),
    ];
    if (rawDiag) {
      // sock_diag reports their link: bound sockets, refused as the UDP and TCP ones are.
      assert.match(doctor.stdout, /Services are bound to 'eth0' by name/);
      assertExit(plan, EXIT.precondition, "plan");
      for (const re of sockets) assert.match(plan.stderr, re);
    } else {
      assert.match(
        doctor.stdout,
        /Not checked whether raw sockets are bound to 'eth0': this kernel lacks raw_diag, so 'ss' cannot show their link/,
      );
      for (const re of sockets) assert.match(doctor.stdout, re);
      assertExit(plan, EXIT.ok, "plan");
      assert.match(plan.stdout + plan.stderr, /Not checked whether raw sockets are bound to 'eth0'/);
      for (const re of sockets) assert.match(plan.stdout + plan.stderr, re);
      assert.match(plan.stdout + plan.stderr, /stops receiving once it is a port of 'br0'; check them by hand/);
    }
  } finally {
    // Ending the lab ends every process inside, whether or not it was found.
    await lab.stop();
    await services.output();
    await pinger.output();
  }
});
