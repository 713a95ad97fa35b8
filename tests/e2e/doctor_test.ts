/**
 * `nsrecipe doctor` end to end: every condition is created inside a lab
 * (its own network namespace, netfilter state, `/run` and sysfs; `/etc` is
 * made private with an overlay where a test writes there), never on the host.
 *
 * Faking a wireless uplink: the kernel makes no wireless netdev without
 * mac80211_hwsim, so the test bind-mounts a copy of the uplink's sysfs
 * `uevent` with `DEVTYPE=wlan` appended over `/sys/class/net/eth0/uevent`,
 * inside the lab's mount namespace, where sysfs is the lab's own mount.
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/doctor/mod.ts";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { CHECK_IDS } from "../support/doctor_facts.ts";
import { doctorFindings } from "../support/doctor_json.ts";

interface Report {
  findings: Finding[];
  ok: boolean;
}

const IDS = CHECK_IDS;

/** Runs `nsrecipe --json doctor ARGS` in the lab; returns the exit code and the parsed report. */
async function doctor(
  lab: TestLab,
  args: string[] = [],
): Promise<{ code: number; report: Report; get: (id: string) => Finding }> {
  const r = await lab.nsrecipe(["--json", "doctor", ...args]);
  assert.equal(r.stderr, "", "doctor writes nothing to stderr");
  const report = JSON.parse(r.stdout) as Report;
  const get = (id: string) => {
    const f = report.findings.find((x) => x.id === id);
    assert.ok(f, `finding '${id}' is reported`);
    return f;
  };
  return { code: r.code, report, get };
}

/** Runs a command in the lab and insists that it worked. */
async function must(lab: TestLab, argv: string[], stdin?: string): Promise<string> {
  const r = await lab.sh(argv, stdin);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Writes a file inside the lab (under its private /run, or the private /etc of {@link privateEtc}). */
async function writeFile(lab: TestLab, path: string, content: string): Promise<void> {
  await must(lab, ["mkdir", "-p", path.slice(0, path.lastIndexOf("/"))]);
  await must(lab, ["tee", path], content);
}

/**
 * Gives the lab a private, writable `/etc` (an overlay whose upper layer is on
 * the lab's `/run`), without the host's `/etc/network/interfaces`, so that the
 * host's configuration can neither leak into a test nor be changed by one.
 */
async function privateEtc(lab: TestLab): Promise<void> {
  await must(lab, ["mkdir", "-p", "/run/test-etc/upper", "/run/test-etc/work"]);
  await must(lab, [
    "mount",
    "-t",
    "overlay",
    "nsrecipe-test-etc",
    "-o",
    "lowerdir=/etc,upperdir=/run/test-etc/upper,workdir=/run/test-etc/work",
    "/etc",
  ]);
  await must(lab, ["rm", "-f", "/etc/network/interfaces"]);
}

async function ifindex(lab: TestLab, dev: string): Promise<number> {
  return (JSON.parse(await must(lab, ["ip", "-json", "link", "show", "dev", dev])) as { ifindex: number }[])[0].ifindex;
}

Deno.test("doctor in a clean lab: every check ok, exit 0, '--json' is {findings, ok} in the one document, and nothing on the host changed", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    const before = await lab.snapshot();
    const rulesBefore = await must(lab, ["nft", "-j", "list", "ruleset"]);
    const { code, report, get } = await doctor(lab);
    assert.equal(code, EXIT.ok);
    assert.deepEqual(Object.keys(report).sort(), ["exitCode", "exitFrom", "findings", "ok"]);
    assert.equal(report.ok, true);
    assert.deepEqual(report.findings.map((f) => f.id), IDS);
    for (const f of report.findings) {
      assert.deepEqual(Object.keys(f).filter((k) => !["id", "verdict", "summary", "fix"].includes(k)), []);
      assert.equal(typeof f.summary, "string");
      assert.ok(!f.summary.includes("\n"), `${f.id}: one line`);
    }
    assert.deepEqual(report.findings.filter((f) => f.verdict !== "ok"), [], "no warning in a clean lab");
    assert.equal(
      get("uplink").summary,
      "Uplink 'eth0' (IPv4 default via 198.51.100.1, IPv6 default via 2001:db8:1::1)",
    );
    assert.match(get("kernel-veth").summary, /link 'eth0' is one/);
    assert.deepEqual(await lab.snapshot(), before, "doctor changed no link, address, route or netns");
    assert.equal(await must(lab, ["nft", "-j", "list", "ruleset"]), rulesBefore, "doctor changed no rule");
    assert.equal((await lab.sh(["test", "-e", "/run/nsrecipe"])).code, 1, "doctor created no state directory");
  });
});

Deno.test("doctor prints each check (a line starting with its verdict and id, wrapped to 80 columns into a pipe) and a tally; a failed check shows its fix and exits 3", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    const good = await lab.nsrecipe(["doctor"]);
    assert.equal(good.code, EXIT.ok, good.stderr);
    const lines = good.stdout.trimEnd().split("\n");
    const heads = lines.filter((l) => /^\S/.test(l)).slice(0, IDS.length);
    assert.deepEqual(heads.map((l) => l.split(/\s+/).slice(0, 2)), IDS.map((id) => ["ok", id]));
    assert.deepEqual(lines.filter((l) => l.length > 80), [], "wrapped to 80 columns");
    assert.equal(lines.at(-1), `${IDS.length} ok, 0 warn, 0 fail: no check failed.`);
    await must(lab, ["ip", "netns", "add", "web"]);
    const bad = await lab.nsrecipe(["doctor", "--name", "web"]);
    assert.equal(bad.code, EXIT.precondition);
    assert.match(bad.stdout, /^fail {2}netns-name +A network namespace named 'web' already exists$/m);
    assert.match(bad.stdout, /^ {23}fix: No applied run of nsrecipe made it: choose another\n {28}--name, or remove/m);
    assert.ok(
      bad.stdout.endsWith(
        `\n${IDS.length - 1} ok, 0 warn, 1 fail: the host is not fit for every recipe (fixes above).\n`,
      ),
      bad.stdout,
    );
  });
});

Deno.test("wireless uplink (faked by bind-mounting a uevent with DEVTYPE=wlan): fail, exit 3, veth-bridge --nat offered", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    const uevent = await must(lab, ["cat", "/sys/class/net/eth0/uevent"]);
    await writeFile(lab, "/run/test-wlan-uevent", `${uevent}DEVTYPE=wlan\n`);
    await must(lab, ["mount", "--bind", "/run/test-wlan-uevent", "/sys/class/net/eth0/uevent"]);
    const { code, report, get } = await doctor(lab);
    assert.equal(code, EXIT.precondition);
    assert.equal(report.ok, false);
    const f = get("wireless");
    assert.equal(f.verdict, "fail");
    assert.match(f.summary, /^The uplink 'eth0' is wireless \(DEVTYPE=wlan\).*full-migrate refuses it$/);
    assert.match(f.fix ?? "", /nsrecipe run veth-bridge --nat/);
    assert.deepEqual(report.findings.filter((x) => x.verdict !== "ok").map((x) => x.id), ["wireless"]);
  });
});

Deno.test("DHCP-managed address on the uplink: warn with its lifetimes, exit 0", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    await must(lab, [
      "ip",
      "addr",
      "add",
      "198.51.100.50/24",
      "dev",
      "eth0",
      "valid_lft",
      "300",
      "preferred_lft",
      "300",
    ]);
    const { code, report, get } = await doctor(lab);
    assert.equal(code, EXIT.ok, "a warning is not a failure");
    assert.equal(report.ok, true);
    const f = get("dhcp");
    assert.equal(f.verdict, "warn");
    assert.match(
      f.summary,
      /^'eth0' has a DHCP-managed address 198\.51\.100\.50\/24 \(valid (29\d|300) s, preferred (29\d|300) s\): the lease is tied to 'eth0'; full-migrate refuses it without --force$/,
    );
    assert.match(f.fix ?? "", /ip addr change 198\.51\.100\.50\/24 dev eth0 valid_lft forever preferred_lft forever/);
  });
});

Deno.test("NetworkManager managing the uplink (its device state file under /run): warn with 'nmcli device set eth0 managed no'; unmanaged is ok", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    const idx = await ifindex(lab, "eth0");
    const state = `/run/NetworkManager/devices/${idx}`;
    await writeFile(lab, state, "# NetworkManager device state file\n[device]\nmanaged=true\nnm-owned=false\n");
    const managed = (await doctor(lab)).get("network-manager");
    assert.equal(managed.verdict, "warn");
    assert.match(
      managed.summary,
      new RegExp(`NetworkManager \\(managed=true in /run/NetworkManager/devices/${idx}\\)`),
    );
    assert.match(managed.fix ?? "", /^nmcli device set eth0 managed no/m);
    await writeFile(lab, state, "[device]\nmanaged=false\n");
    assert.equal((await doctor(lab)).get("network-manager").verdict, "ok");
  });
});

Deno.test("systemd-networkd configuring the uplink (its link state under /run): warn with Unmanaged=yes", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    const idx = await ifindex(lab, "eth0");
    await writeFile(
      lab,
      `/run/systemd/netif/links/${idx}`,
      "ADMIN_STATE=configured\nOPER_STATE=routable\nNETWORK_FILE=/etc/systemd/network/10-eth0.network\n",
    );
    const f = (await doctor(lab)).get("network-manager");
    assert.equal(f.verdict, "warn");
    assert.match(
      f.summary,
      /systemd-networkd \(ADMIN_STATE=configured from \/etc\/systemd\/network\/10-eth0\.network\)/,
    );
    assert.match(f.fix ?? "", /Unmanaged=yes.*networkctl reload/);
  });
});

/** The host's `/etc/network/interfaces`, or `undefined` when there is none. */
async function hostInterfaces(): Promise<string | undefined> {
  try {
    return await Deno.readTextFile("/etc/network/interfaces");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

Deno.test("ifupdown owning the uplink (/etc/network/interfaces in a private /etc, /run/network/ifstate.eth0): warn", async () => {
  const hostBefore = await hostInterfaces();
  await withLab(async (lab) => {
    await privateEtc(lab);
    await writeFile(
      lab,
      "/etc/network/interfaces",
      "auto lo\niface lo inet loopback\n\nauto eth0\niface eth0 inet dhcp\n",
    );
    const byConfig = (await doctor(lab)).get("network-manager");
    assert.equal(byConfig.verdict, "warn");
    assert.match(byConfig.summary, /ifupdown \(\/etc\/network\/interfaces\)/);
    await writeFile(lab, "/run/network/ifstate.eth0", "eth0\n");
    const both = (await doctor(lab)).get("network-manager");
    assert.match(both.summary, /ifupdown \(\/run\/network\/ifstate\.eth0, \/etc\/network\/interfaces\)/);
    assert.match(both.fix ?? "", /do not run 'ifdown eth0'/);
  });
  assert.equal(await hostInterfaces(), hostBefore, "the host's /etc/network/interfaces is as it was");
});

Deno.test("a forward chain with policy drop: warn with the narrow rule; doctor changes nothing; once the rule is added, ok", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    await must(
      lab,
      ["nft", "-f", "-"],
      "table inet t {\n chain fwd_c {\n  type filter hook forward priority 0; policy drop;\n }\n}\n",
    );
    const bnf = (await lab.sh(["sysctl", "-n", "net.bridge.bridge-nf-call-iptables"])).stdout.trim() === "1";
    const rules = await must(lab, ["nft", "-j", "list", "ruleset"]);
    const { code, get } = await doctor(lab, ["--bridge", "br5"]);
    assert.equal(code, EXIT.ok);
    assert.equal(await must(lab, ["nft", "-j", "list", "ruleset"]), rules, "doctor changed no rule");
    const f = get("forward");
    assert.equal(f.verdict, "warn");
    const fixes = (f.fix ?? "").split("\n").filter((l) => l.startsWith("nft "));
    if (bnf) {
      assert.match(
        f.summary,
        /^Bridged traffic on 'br5' is dropped by nft chain inet t fwd_c \(policy drop\), with bridge netfilter on/,
      );
      assert.deepEqual(fixes, ['nft insert rule inet t fwd_c iifname "br5" oifname "br5" accept']);
    } else {
      assert.match(f.summary, /^Traffic routed from 'br5' \(veth-bridge --nat\) is dropped by nft chain inet t fwd_c/);
      assert.equal(fixes.length, 2);
    }
    for (const line of fixes) await must(lab, line.split(" "));
    const after = (await doctor(lab, ["--bridge", "br5"])).get("forward");
    assert.equal(after.verdict, bnf ? "ok" : "warn");
    if (bnf) assert.match(after.summary, /'br5' is let through nft chain inet t fwd_c \(policy drop\)/);
  });
});

Deno.test("a bridge-family forward chain ending in drop: bridged traffic dropped, whatever bridge netfilter says", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    await must(
      lab,
      ["nft", "-f", "-"],
      "table bridge b {\n chain f {\n  type filter hook forward priority 0; policy accept;\n  counter drop\n }\n}\n",
    );
    const f = (await doctor(lab)).get("forward");
    assert.equal(f.verdict, "warn");
    assert.match(f.summary, /^Bridged traffic on 'br0' is dropped by nft chain bridge b f \(a final 'drop' rule\)$/);
    assert.match(f.fix ?? "", /^nft insert rule bridge b f meta ibrname "br0" accept$/m);
  });
});

Deno.test("name clashes: a taken or stale netns name and a non-bridge link fail; an existing bridge is used", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    await must(lab, ["ip", "netns", "add", "web"]);
    await must(lab, ["touch", "/run/netns/n1"]);
    await must(lab, ["ip", "link", "add", "dev", "vx0", "type", "veth", "peer", "name", "vx1"]);
    await must(lab, ["ip", "link", "add", "dev", "br1", "type", "bridge"]);
    const taken = await doctor(lab, ["--name", "web", "--bridge", "vx0"]);
    assert.equal(taken.code, EXIT.precondition);
    assert.equal(taken.get("netns-name").summary, "A network namespace named 'web' already exists");
    assert.equal(taken.get("bridge-name").verdict, "fail");
    assert.equal(taken.get("bridge-name").summary, "A link named 'vx0' exists and is a veth, not a bridge");
    const stale = await doctor(lab, ["--name", "n1"]);
    assert.equal(stale.get("netns-name").verdict, "fail");
    assert.match(stale.get("netns-name").summary, /stale namespace file/);
    const fine = await doctor(lab, ["--name", "db", "--bridge", "br1"]);
    assert.equal(fine.code, EXIT.ok);
    assert.equal(fine.get("netns-name").summary, "The namespace name 'db' is free");
    assert.match(fine.get("bridge-name").summary, /'br1' exists and is a bridge: it will be used, not owned/);
  });
});

Deno.test("no default route: the uplink warns and the uplink checks have nothing to check; --uplink of a missing link fails", async () => {
  await withLab(async (lab) => {
    await privateEtc(lab);
    await must(lab, ["ip", "route", "del", "default"]);
    await must(lab, ["ip", "-6", "route", "del", "default"]);
    const none = await doctor(lab);
    assert.equal(none.code, EXIT.ok);
    assert.equal(none.get("uplink").verdict, "warn");
    assert.match(none.get("uplink").summary, /No default route/);
    for (const id of ["wireless", "dhcp", "network-manager"]) assert.equal(none.get(id).summary, "No uplink to check");
    const given = await doctor(lab, ["--uplink", "eth0"]);
    assert.equal(given.get("uplink").summary, "Uplink 'eth0' (given with --uplink; no default route on it)");
    const missing = await doctor(lab, ["--uplink", "nosuch0"]);
    assert.equal(missing.code, EXIT.precondition);
    assert.match(missing.get("uplink").summary, /'nosuch0' given with --uplink does not exist/);
    const bad = await lab.nsrecipe(["doctor", "--uplink", "a b"]);
    assert.equal(bad.code, EXIT.usage);
    assert.match(bad.stderr, /not allowed/);
  });
});

Deno.test("doctor after full-migrate: the uplink is the bridge, which becomes no bridge's port: uplink-refs is ok (no rule 'stops matching', no bridge group of the kernel's taken for a socket's)", async () => {
  await withLab(async (lab) => {
    const run = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "m",
      "--address",
      "198.51.100.50/24",
      "--no-confirm",
    ]);
    assert.equal(run.code, 0, run.stderr);
    // The bridge joins Multicast Router Discovery's all-snoopers groups on itself (RFC 4286), as the kernel does.
    const igmp = (await lab.sh(["cat", "/proc/net/igmp"])).stdout;
    assert.match(igmp, /br0[\s\S]*6A0000E0/, igmp);
    const { findings } = await doctorFindings(lab);
    const refs = findings.find((f) => f.id === "uplink-refs");
    assert.deepEqual(
      { verdict: refs?.verdict, summary: refs?.summary },
      {
        verdict: "ok",
        summary:
          "Uplink 'br0' is a bridge already: full-migrate does not make it a port, so no rule, socket or group " +
          "naming it stops matching",
      },
    );
    assert.match(findings.find((f) => f.id === "uplink")?.summary ?? "", /is already a bridge/);
    assert.equal((await lab.nsrecipe(["undo", "m"])).code, 0);
  });
});

Deno.test("a FIFO where ifupdown's state file should be (/run/network/ifstate): doctor does not wait for a writer; its read is killed at the bound and network-manager says the file was not checked, the other checks unharmed", async () => {
  await withLab(async (lab) => {
    const made = await lab.sh(["sh", "-c", "mkdir -p /run/network && mkfifo /run/network/ifstate"]);
    assert.equal(made.code, 0, made.stderr);
    const { findings, stdout } = await doctorFindings(lab);
    const nm = findings.find((f) => f.id === "network-manager");
    assert.equal(nm?.verdict, "warn", stdout);
    assert.match(
      nm?.summary ?? "",
      /^Not fully checked: \/run\/network\/ifstate: timed out after 5000 ms and was killed/,
    );
    assert.equal(findings.find((f) => f.id === "privileges")?.verdict, "ok", "the status file is read apart");
  });
});

Deno.test("doctor with a veth-bridge --nat run applied: its masquerading table's rules naming the uplink are said as that run's (undo it, run it again after full-migrate), not as firewall rules to edit", async () => {
  await withLab(async (lab) => {
    const run = await lab.nsrecipe(["run", "veth-bridge", "--name", "w", "--nat"]);
    assert.equal(run.code, 0, run.stderr);
    const { findings, stdout } = await doctorFindings(lab);
    const refs = findings.find((f) => f.id === "uplink-refs");
    assert.equal(refs?.verdict, "warn", stdout);
    assert.equal(
      refs?.summary,
      "The --nat masquerading of nsrecipe run 'w' goes out of 'eth0' and stops once it is a port of a bridge",
    );
    assert.match(refs?.fix ?? "", /^Undo that run first \(nsrecipe undo w\) and run it again after full-migrate;/);
    assert.equal((await lab.nsrecipe(["undo", "w"])).code, 0);
  });
});
