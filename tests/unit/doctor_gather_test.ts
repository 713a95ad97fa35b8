import assert from "node:assert/strict";
import { factGroupsFor, gatherDoctorFacts, isDirVia, readCommand, readFileVia } from "../../src/doctor/mod.ts";
import { type ExecResult, recordingRunner } from "../../src/exec/mod.ts";
import { ownPathLook } from "../../src/cli/own_path_look.ts";

const LINKS = JSON.stringify([
  { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, operstate: "UNKNOWN" },
  { ifindex: 7, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP", linkinfo: { info_kind: "veth" } },
  { ifindex: 8, ifname: "eth1", flags: ["UP"], mtu: 1500, operstate: "UP" },
]);
const ROUTES4 = JSON.stringify([{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }]);

/** A host answering like the lab: ip -json state, files under /run absent, no nft. */
function fakeHost(argv: readonly string[]): Partial<ExecResult> {
  const a = argv.join(" ");
  // The host's lists as readHostLists asks for them (src/host/host_lists.ts): one JSON array per batch line.
  if (a === "ip -json -details -batch -") {
    return { stdout: [LINKS, "[]", "[]", ROUTES4, "[]", "[]", "[]", "[]", "[]"].join("\n") + "\n" };
  }
  if (a === "ip -json -details link show") return { stdout: LINKS };
  if (a === "ip -json -4 route show table all") return { stdout: ROUTES4 };
  if (a.startsWith("ip -json")) return { stdout: "[]" };
  if (a === "ip -V") return { stdout: "ip utility, iproute2-6.1.0\n" };
  if (a === "cat -- /proc/sys/kernel/osrelease") return { stdout: "6.1.0-18-amd64\n" };
  if (a.startsWith("cat -- ")) return { code: 1, stderr: `cat: ${argv[2]}: No such file or directory` };
  if (a.startsWith("test -d ")) return { code: 1 };
  if (argv[0] === "nft") return { code: -1, stderr: "'nft' was not found in PATH" };
  return {};
}

/** Every command the gatherer may run: reads only. */
const READ_ONLY = [
  /^ip -json (-details link show|addr show|-[46] route show table all|netns list|-details -[46] rule show)$/,
  /^ip -json neigh show (nud permanent|nud noarp|proxy)$/,
  /^ip -json (-details )?-batch -$/, // its lines are checked in the test
  /^ss -H -a -n -p -t -u -w$/,
  /^sysctl -N -e( net\/ipv[46]\/(conf|neigh)\/[^\s/]+)+$/, // the names of the uplink's per-interface settings
  /^sysctl( net\/ipv[46]\/(conf|neigh)\/[^\s/]+\/[a-z0-9_]+)+$/, // their values (src/host/link_sysctl.ts)
  /^sysctl -n net\/ipv6\/conf\/[^\s/]+\/stable_secret$/, // a stable_privacy uplink's secret
  /^ip -V$/,
  /^unshare --version$/,
  /^cat -- \/(proc|sys|run|etc|lib\/modules|boot)\/\S+$/,
  /^cat \/sys\/class\/net\/[^/\s]+\/uevent$/, // isWireless (src/host/sysfs.ts)
  /^cat \/proc\/self\/mountinfo$/, // netnsMounts (src/host/sysfs.ts)
  /^test -d \/(sys|run)\/\S+$/,
  /^sysctl -e net\.ipv4\.ip_forward net\.bridge\.bridge-nf-call-iptables net\.bridge\.bridge-nf-call-ip6tables$/,
  /^gzip -dc \/proc\/config\.gz$/,
  /^nft -j list ruleset$/,
  /^ip6?tables -S$/,
];

Deno.test("gatherDoctorFacts runs only read-only commands", async () => {
  const { run, calls } = recordingRunner(fakeHost);
  await gatherDoctorFacts(run);
  assert.ok(calls.length > 20);
  for (const c of calls) {
    const line = c.argv.join(" ");
    assert.ok(READ_ONLY.some((re) => re.test(line)), `not a known read-only command: ${line}`);
    for (const l of (c.opts.stdin ?? "").split("\n").filter((l) => l !== "")) {
      assert.match(l, /^(link|addr|rule|neigh|netns|route) (show|list)( |$)/, `not a read in a batch: ${l}`);
    }
  }
  assert.ok(calls.some((c) => c.argv.includes("-batch")), "the host's lists are read in a batch");
});

Deno.test("gatherDoctorFacts reads the uplink's manager state by its ifindex; --uplink picks another link", async () => {
  const { run, calls } = recordingRunner(fakeHost);
  const facts = await gatherDoctorFacts(run);
  assert.equal(facts.uplinkFiles?.dev, "eth0");
  assert.ok(calls.some((c) => c.argv.join(" ") === "cat -- /run/NetworkManager/devices/7"));
  assert.ok(calls.some((c) => c.argv.join(" ") === "cat -- /run/systemd/netif/links/7"));
  assert.ok(calls.some((c) => c.argv.join(" ") === "cat -- /run/network/ifstate.eth0"));
  assert.equal(facts.uplinkRequested, undefined);
  const other = await gatherDoctorFacts(recordingRunner(fakeHost).run, { uplink: "eth1" });
  assert.equal(other.uplinkFiles?.ifindex, 8);
  assert.equal(other.uplinkRequested, "eth1");
  const none = await gatherDoctorFacts(recordingRunner(fakeHost).run, { uplink: "nosuch" });
  assert.equal(none.uplinkFiles, undefined);
});

Deno.test("gatherDoctorFacts records unreadable sources with their reason instead of throwing", async () => {
  const facts = await gatherDoctorFacts(recordingRunner(fakeHost).run);
  assert.deepEqual(facts.netfilter.nft, { ok: false, reason: "'nft' was not found in PATH" });
  assert.deepEqual(facts.managers.interfaces, { ok: false, reason: "No such file or directory" });
  assert.deepEqual(facts.managers.networkManager, { ok: true, value: false });
  assert.deepEqual(facts.kernel.release, { ok: true, value: "6.1.0-18-amd64\n" });
  const noIp = await gatherDoctorFacts(
    recordingRunner((argv) => argv[0] === "ip" ? { code: -1, stderr: "'ip' was not found in PATH" } : {}).run,
  );
  assert.equal(noIp.host.ok, false);
  assert.match(!noIp.host.ok ? noIp.host.reason : "", /'ip' failed: 'ip' was not found in PATH/);
});

Deno.test("readCommand, readFileVia and isDirVia: output, reason, directory or not", async () => {
  const { run } = recordingRunner((argv) =>
    argv[0] === "test"
      ? { code: argv[2] === "/run" ? 0 : 1 }
      : argv[2] === "/x"
      ? { code: 1, stderr: "cat: /x: Permission denied" }
      : { stdout: "hello\n" }
  );
  assert.deepEqual(await readCommand(run, ["cat", "--", "/y"]), { ok: true, value: "hello\n" });
  assert.deepEqual(await readFileVia(run, "/x"), { ok: false, reason: "Permission denied" });
  assert.deepEqual(await isDirVia(run, "/run"), { ok: true, value: true });
  assert.deepEqual(await isDirVia(run, "/nope"), { ok: true, value: false });
});

Deno.test("gatherDoctorFacts with groups reads only what those checks need: veth-bridge's checks read no manager files and no uplink state", async () => {
  const { run, calls } = recordingRunner(fakeHost);
  const facts = await gatherDoctorFacts(run, {
    groups: factGroupsFor(["privileges", "ip", "unshare", "netns-name", "kernel-veth", "kernel-bridge", "forward"]),
  });
  const lines = calls.map((c) => c.argv.join(" "));
  assert.deepEqual(lines.filter((l) => /NetworkManager|systemd\/netif|network\/i/.test(l)), []);
  assert.ok(lines.includes("nft -j list ruleset"), "forward reads the ruleset");
  assert.ok(lines.includes("cat -- /proc/self/status"), "privileges reads the process status");
  assert.equal(facts.uplinkFiles, undefined);
  assert.deepEqual(facts.managers.networkManager, { ok: false, reason: "not gathered: no check asked for it" });
});

Deno.test("gatherDoctorFacts reads no kernel configuration when veth and bridge links are in use", async () => {
  const inUse = JSON.stringify([
    { ifindex: 7, ifname: "v0", flags: [], mtu: 1500, operstate: "DOWN", linkinfo: { info_kind: "veth" } },
    { ifindex: 8, ifname: "br0", flags: [], mtu: 1500, operstate: "DOWN", linkinfo: { info_kind: "bridge" } },
  ]);
  const { run, calls } = recordingRunner((argv) =>
    argv.join(" ") === "ip -json -details -batch -"
      ? { stdout: [inUse, "[]", "[]", "[]", "[]", "[]", "[]", "[]", "[]"].join("\n") + "\n" }
      : fakeHost(argv)
  );
  const facts = await gatherDoctorFacts(run, { groups: factGroupsFor(["kernel-veth", "kernel-bridge"]) });
  assert.deepEqual(facts.host.ok && facts.host.value.links.map((l) => l.ifname), ["v0", "br0"]);
  const lines = calls.map((c) => c.argv.join(" "));
  assert.deepEqual(lines.filter((l) => /\/sys\/module|config|modules|osrelease/.test(l)), []);
  assert.equal(facts.kernel.sysModule.veth.ok, false);
});

Deno.test("gatherDoctorFacts with paths: the status file and the module directories come from it, with no process of their own", async () => {
  const { run, calls } = recordingRunner(fakeHost);
  const asked: string[] = [];
  const facts = await gatherDoctorFacts(run, {
    groups: factGroupsFor(["privileges", "kernel-veth", "kernel-bridge"]),
    linkSettings: false,
    paths: {
      file: (p) => (asked.push(p), Promise.resolve({ ok: true, value: "Uid:\t0\t0\t0\t0\nCapEff:\t1\n" })),
      isDir: (p) => (asked.push(p), Promise.resolve({ ok: true, value: p === "/sys/module/bridge" })),
    },
  });
  // eth0 is a veth (fakeHost): only the bridge module is asked about.
  assert.deepEqual(asked.sort(), ["/proc/self/status", "/sys/module/bridge"]);
  assert.deepEqual(facts.procStatus, { ok: true, value: "Uid:\t0\t0\t0\t0\nCapEff:\t1\n" });
  assert.deepEqual(facts.kernel.sysModule.bridge, { ok: true, value: true });
  assert.deepEqual(calls.map((c) => c.argv.join(" ")).filter((l) => /^(cat|test) /.test(l)), []);
});

Deno.test("gatherDoctorFacts for a run reads the bridge netfilter settings only when a forward chain they decide about drops; doctor always", async () => {
  const inetDrop = JSON.stringify({
    nftables: [{ chain: { family: "inet", table: "t", name: "fwd", hook: "forward", policy: "drop" } }],
  });
  const host = (nft: string | undefined) => (argv: readonly string[]): Partial<ExecResult> =>
    argv[0] === "nft" && nft !== undefined
      ? { stdout: nft }
      : argv[0] === "sysctl"
      ? { stdout: "net.ipv4.ip_forward = 0\nnet.bridge.bridge-nf-call-iptables = 1\n" }
      : fakeHost(argv);
  const sysctls = (calls: { argv: readonly string[] }[]) => calls.filter((c) => c.argv[0] === "sysctl").length;
  const groups = factGroupsFor(["forward"]);
  // A run, nothing drops: not read, and the check's verdict does not depend on them.
  const quiet = recordingRunner(host('{"nftables":[]}'));
  const q = await gatherDoctorFacts(quiet.run, { groups, linkSettings: false, forwarding: false });
  assert.equal(sysctls(quiet.calls), 0);
  assert.match(!q.netfilter.bridgeNfIptables.ok ? q.netfilter.bridgeNfIptables.reason : "", /^not read: /);
  // A run, an inet forward chain drops: read (after the rules), the value as the kernel has it.
  const dropping = recordingRunner(host(inetDrop));
  const d = await gatherDoctorFacts(dropping.run, { groups, linkSettings: false, forwarding: false });
  assert.equal(sysctls(dropping.calls), 1);
  assert.deepEqual(d.netfilter.bridgeNfIptables, { ok: true, value: "1" });
  // doctor: every group, read whatever the rules say.
  const doctor = recordingRunner(host('{"nftables":[]}'));
  const all = await gatherDoctorFacts(doctor.run, { linkSettings: false });
  assert.ok(sysctls(doctor.calls) >= 1);
  assert.deepEqual(all.netfilter.bridgeNfIptables, { ok: true, value: "1" });
});

Deno.test("gatherDoctorFacts through ownPathLook: the managers' directories in one stat, their files in one head, the uplink's three files in one more head; no cat or test", async () => {
  // What this host has: NetworkManager's state with a file for eth0 (ifindex 7), ifupdown's configuration.
  const dirs = new Set(["/run/NetworkManager/devices"]);
  const files: Record<string, string> = {
    "/proc/self/status": "Uid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n",
    "/etc/network/interfaces": "auto lo\niface lo inet loopback\n",
    "/run/NetworkManager/devices/7": "[device]\nmanaged=true\n",
  };
  const { run, calls } = recordingRunner((argv) => {
    const paths = argv.slice(5);
    if (argv[0] === "stat") {
      // stat(1): one line per path it could stat, a line on stderr for each it could not (exit 1).
      const absent = paths.filter((p) => !dirs.has(p));
      return {
        code: absent.length ? 1 : 0,
        stdout: paths.filter((p) => dirs.has(p)).map((p, i) => `4 ${100 + i} 41ed ${p}\n`).join(""),
        stderr: absent.map((p) => `stat: cannot statx '${p}': No such file or directory\n`).join(""),
      };
    }
    if (argv[0] === "head") {
      // head -v: a header before each file it could open (a blank line before the next), a line on stderr for each
      // it could not.
      const there = paths.filter((p) => p in files);
      const absent = paths.filter((p) => !(p in files));
      return {
        code: absent.length ? 1 : 0,
        stdout: there.map((p, i) => `${i ? "\n" : ""}==> ${p} <==\n${files[p]}`).join(""),
        stderr: absent.map((p) => `head: cannot open '${p}' for reading: No such file or directory\n`).join(""),
      };
    }
    return fakeHost(argv);
  });
  const facts = await gatherDoctorFacts(run, {
    groups: factGroupsFor(["privileges", "network-manager"]),
    linkSettings: false,
    paths: ownPathLook(run),
  });
  assert.deepEqual(facts.managers.networkManager, { ok: true, value: true });
  assert.deepEqual(facts.managers.networkd, { ok: true, value: false });
  assert.deepEqual(facts.managers.interfaces, { ok: true, value: "auto lo\niface lo inet loopback\n" });
  assert.deepEqual(facts.managers.ifstate, { ok: false, reason: "No such file or directory" });
  assert.deepEqual(facts.uplinkFiles?.nmDevice, { ok: true, value: "[device]\nmanaged=true\n" });
  assert.deepEqual(facts.uplinkFiles?.ifstateDev, { ok: false, reason: "No such file or directory" });
  assert.deepEqual(facts.procStatus, { ok: true, value: files["/proc/self/status"] });
  const readers = calls.map((c) => c.argv).filter((a) => ["stat", "head", "cat", "test"].includes(a[0]));
  const lines = readers.map((a) => `${a[0]} ${a.slice(5).join(" ")}`);
  // The fixed paths first (the stat and the heads side by side: the managers' files apart from the status file),
  // then the uplink's, once the host's read named it.
  assert.deepEqual(lines.slice(0, 3).sort(), [
    "head /proc/self/status",
    "head /run/network/ifstate /etc/network/interfaces",
    "stat /run/NetworkManager/devices /run/systemd/netif/links",
  ]);
  assert.deepEqual(lines.slice(3), [
    "head /run/NetworkManager/devices/7 /run/systemd/netif/links/7 /run/network/ifstate.eth0",
  ]);
});

Deno.test("ownPathLook: a path that is not plain (a link name with a space) is read on its own with cat or test, and kept out of the reads ahead", async () => {
  const { run, calls } = recordingRunner((argv) =>
    argv[0] === "cat" ? { stdout: "eth0 x=eth0 x\n" } : argv[0] === "test" ? { code: 1 } : {}
  );
  const look = ownPathLook(run);
  look.ahead?.({ files: ["/run/network/ifstate.eth0 x"], dirs: ["/run/odd dir"] });
  assert.equal(calls.length, 0, "nothing read ahead for odd paths");
  assert.deepEqual(await look.file("/run/network/ifstate.eth0 x"), { ok: true, value: "eth0 x=eth0 x\n" });
  assert.deepEqual(await look.isDir("/run/odd dir"), { ok: true, value: false });
  assert.deepEqual(calls.map((c) => c.argv), [
    ["cat", "--", "/run/network/ifstate.eth0 x"],
    ["test", "-d", "/run/odd dir"],
  ]);
});

Deno.test("gatherDoctorFacts notes the tools whose iptables-nft listing warns that iptables-legacy tables are present; none when it does not", async () => {
  const warned = recordingRunner((argv) =>
    argv[0] === "iptables" || argv[0] === "ip6tables"
      ? {
        stdout: "-P INPUT ACCEPT\n",
        stderr: argv[0] === "iptables"
          ? "# Warning: iptables-legacy tables present, use iptables-legacy to see them\n"
          : "",
      }
      : fakeHost(argv)
  );
  const facts = await gatherDoctorFacts(warned.run, { groups: factGroupsFor(["uplink-refs"]), linkSettings: false });
  assert.deepEqual(facts.netfilter.legacyTables, ["iptables"]);
  assert.deepEqual(facts.netfilter.iptables, { ok: true, value: "-P INPUT ACCEPT\n" });
  const quiet = recordingRunner((argv) =>
    argv[0].endsWith("tables") ? { stdout: "-P INPUT ACCEPT\n" } : fakeHost(argv)
  );
  const none = await gatherDoctorFacts(quiet.run, { groups: factGroupsFor(["uplink-refs"]), linkSettings: false });
  assert.equal(none.netfilter.legacyTables, undefined);
});
