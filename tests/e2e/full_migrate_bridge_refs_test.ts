/**
 * H2: nftables and policy rules that already name the bridge-to-be (`br0`)
 * would match all the host's LAN traffic once full-migrate makes it carry
 * it; H11: multicast groups joined on the uplink by sockets stop receiving
 * once it is a bridge port. doctor warns naming each, plan and run refuse
 * (exit 3, host unchanged) unless --force; another --bridge name is fine.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

const MIGRATE = ["full-migrate", "--name", "fm", "--address", "198.51.100.50/24"];

/** The hostile tester's firewall template (H2), and an `oifname` of the kind. */
const RULESET = `
table inet hb {
  chain inp { type filter hook input priority 0; policy accept;
    iifname "br0" tcp dport 22 drop
    iifname "br0" icmp type echo-request drop
  }
  chain out { type filter hook output priority 0; policy accept;
    oifname "br0" udp dport 53 drop
  }
}
`;

/** What doctor, plan and run quote for {@link RULESET} and the `ip rule`s below. */
const QUOTED = [
  /nft rule inet hb inp \(handle \d+\): iifname == "br0"; nft rule inet hb inp \(handle \d+\): iifname == "br0"/,
  /nft rule inet hb out \(handle \d+\): oifname == "br0"/,
  /ip rule 900: iif br0 prohibit/,
  /ip -6 rule 900: iif br0 prohibit/,
  /ip rule 901: oif br0 prohibit/,
];

const uplinkRefs = (stdout: string) =>
  (JSON.parse(stdout) as { findings: { id: string; verdict: string; summary: string; fix?: string }[] })
    .findings.find((f) => f.id === "uplink-refs");

Deno.test("H2: nft iifname/oifname and ip rule iif/oif naming the bridge-to-be: doctor warns quoting each, plan and run refuse (exit 3, nothing changed); another --bridge plans", async () => {
  await withLab(async (lab) => {
    const loaded = await lab.sh(["nft", "-f", "-"], RULESET);
    assert.equal(loaded.code, 0, loaded.stderr);
    for (
      const rule of [
        ["ip", "rule", "add", "iif", "br0", "prohibit", "pref", "900"],
        ["ip", "-6", "rule", "add", "iif", "br0", "prohibit", "pref", "900"],
        ["ip", "rule", "add", "oif", "br0", "prohibit", "pref", "901"],
      ]
    ) {
      const r = await lab.sh(rule);
      assert.equal(r.code, 0, r.stderr);
    }
    const before = await lab.snapshot();
    const doctor = await lab.nsrecipe(["--json", "doctor"]);
    const found = uplinkRefs(doctor.stdout);
    assert.equal(found?.verdict, "warn", doctor.stdout);
    assert.match(found?.summary ?? "", /^Rules name 'br0', the bridge full-migrate would create, and start matching/);
    for (const re of QUOTED) assert.match(found?.summary ?? "", re);
    assert.match(found?.fix ?? "", /^Remove them or pick another name with --bridge; .*--force/);
    for (const cmd of ["plan", "run"]) {
      const r = await lab.nsrecipe([cmd, ...MIGRATE, ...(cmd === "run" ? ["--no-confirm"] : [])]);
      assertExit(r, EXIT.precondition, cmd);
      assert.match(
        r.stderr,
        /Rules name 'br0', the bridge this run creates, and start matching all the host's traffic/,
      );
      for (const re of QUOTED) assert.match(r.stderr, re, cmd);
      assert.match(r.stderr, /ip rule del pref N\) or choose another --bridge.*pass --force to go ahead/s);
      assertSameHost(await lab.snapshot(), before, `a refused ${cmd}`);
    }
    const other = await lab.nsrecipe(["plan", ...MIGRATE, "--bridge", "br9"]);
    assertExit(other, EXIT.ok, "plan --bridge br9");
    assert.doesNotMatch(other.stdout + other.stderr, /Rules name/);
    const ping = await lab.sh(["ip", "netns", "exec", "lab-lanhost", "ping", "-c", "1", "-W", "2", "198.51.100.10"]);
    assert.equal(ping.code, 0, "the LAN still reaches the host");
  });
});

/** A receiver joining 239.1.2.3 and ff05::1:3 on eth0 by interface index (not bound to it by name), as OSPF or IPTV do. */
const RECEIVER = `
import socket, struct, time
idx = socket.if_nametoindex("eth0")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("", 5007))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             struct.pack("4s4si", socket.inet_aton("239.1.2.3"), socket.inet_aton("0.0.0.0"), idx))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s6.bind(("::", 5008))
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP,
              socket.inet_pton(socket.AF_INET6, "ff05::1:3") + struct.pack("@I", idx))
time.sleep(600)
`;

Deno.test("H11: multicast groups joined on the uplink by a socket: doctor warns naming them, plan and run refuse (exit 3, nothing changed), --force goes ahead and says so; undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const child = lab.spawn(["/usr/bin/python3", "-c", RECEIVER]);
    let pid = "";
    try {
      await waitFor("the receiver's groups", async () => {
        const igmp6 = (await lab.sh(["cat", "/proc/net/igmp6"])).stdout;
        pid = /:5007 .*pid=(\d+)/.exec((await lab.sh(["ss", "-H", "-l", "-n", "-p", "-u"])).stdout)?.[1] ?? "";
        return pid !== "" && /eth0\s+ff050000000000000000000000010003/.test(igmp6);
      });
      const named = /Multicast groups are joined on 'eth0'.*: 239\.1\.2\.3, ff05::1:3$/m;
      const doctor = await lab.nsrecipe(["--json", "doctor"]);
      const found = uplinkRefs(doctor.stdout);
      assert.equal(found?.verdict, "warn", doctor.stdout);
      assert.match(found?.summary ?? "", named);
      assert.match(found?.fix ?? "", /join on 'br0' once it exists.*--force/);
      for (const cmd of ["plan", "run"]) {
        const r = await lab.nsrecipe([cmd, ...MIGRATE, ...(cmd === "run" ? ["--no-confirm"] : [])]);
        assertExit(r, EXIT.precondition, cmd);
        assert.match(
          r.stderr,
          /Multicast groups are joined on 'eth0' \(ip maddr show dev eth0\).*: 239\.1\.2\.3, ff05::1:3/,
        );
        assert.match(r.stderr, /'ss -lnup' lists the UDP listeners.*pass --force to go ahead/s);
      }
      const forced = await lab.nsrecipe(["run", ...MIGRATE, "--no-confirm", "--force"]);
      assertExit(forced, EXIT.ok, "run --force");
      assert.match(forced.stdout + forced.stderr, /Multicast groups are joined on 'eth0'.*Going ahead \(--force\)/);
      assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo");
    } finally {
      if (pid) await lab.sh(["kill", "-KILL", pid]);
      await child.output();
    }
    assertSameHost(await lab.snapshot(), before, "undo, the receiver gone");
  });
});

Deno.test("H2: veth-bridge creating br0 notes the rules naming it, runs (exit 0), and the rule then applies to the namespace's traffic", async () => {
  await withLab(async (lab) => {
    const loaded = await lab.sh(["nft", "-f", "-"], RULESET);
    assert.equal(loaded.code, 0, loaded.stderr);
    const rule = await lab.sh(["ip", "rule", "add", "iif", "br0", "prohibit", "pref", "900"]);
    assert.equal(rule.code, 0, rule.stderr);
    const note =
      /Rules already name 'br0', which this run creates: they will apply to the namespace's traffic through it: nft rule inet hb inp \(handle \d+\): iifname == "br0";.* ip rule 900: iif br0 prohibit\./;
    const plan = await lab.nsrecipe(["plan", "veth-bridge", "--name", "vb"]);
    assertExit(plan, EXIT.ok, "plan");
    assert.match(plan.stdout + plan.stderr, note);
    const run = await lab.nsrecipe(["run", "veth-bridge", "--name", "vb", "--address", "10.77.0.2/24"]);
    assertExit(run, EXIT.ok, "run");
    assert.match(run.stdout + run.stderr, note);
    const ping = await lab.sh(["ip", "netns", "exec", "vb", "ping", "-c", "1", "-W", "1", "10.77.0.1"]);
    assert.notEqual(ping.code, 0, 'iifname "br0" icmp echo-request drop now applies to the namespace\'s pings');
    assert.equal((await lab.sh(["nft", "delete", "table", "inet", "hb"])).code, 0);
    const again = await lab.sh(["ip", "netns", "exec", "vb", "ping", "-c", "1", "-W", "2", "10.77.0.1"]);
    assert.equal(again.code, 0, `without the rule the host answers: ${again.stdout}`);
    assertExit(await lab.nsrecipe(["undo", "vb"]), EXIT.ok, "undo");
  });
});
