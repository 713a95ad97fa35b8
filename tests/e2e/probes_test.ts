import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";

/** The stat of paths as `--verbose` shows it: quoted for a shell, as every traced command. */
const STAT = "stat -L -c '%d %i %f %n' --";
const HEAD = "head -v -n -0 --";
const BOOT_ID = "/proc/sys/kernel/random/boot_id";
/** The script that prints the order of a host-facts gathering's processes. */
const GATHER_ORDER = new URL("../support/gather_order.ts", import.meta.url).pathname;

/**
 * The processes a `--verbose` command traced (`$ ARGV  (exit N, D ms)`), in the
 * order they ended, each without its exit code and time; a which-check
 * `test ( ( -f DIR/P -a -x DIR/P ) -o … ) -a …` (src/cli/programs.ts) as
 * `test <P1 P2 …>`, the programs it looked for in PATH (or by path); the
 * candidates of programs in a stat (src/cli/process_facts.ts) likewise.
 */
function traced(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("$ ")).map((l) => {
    const argv = l.slice(2).replace(/ {2}\((exit \d+, \d+ ms|stdio inherited)\)$/, "");
    if (argv.startsWith(`${STAT} `)) {
      // The candidates of programs in each PATH directory as `<P1 P2 …>` after the other paths.
      const paths = argv.slice(STAT.length + 1).split(" ");
      const own = paths.filter((p) => /^\/(proc|sys)\//.test(p));
      const programs = [...new Set(paths.filter((p) => !own.includes(p)).map((p) => p.split("/").at(-1)!))];
      return [STAT, ...own, ...(programs.length ? [`<${programs.join(" ")}>`] : [])].join(" ");
    }
    if (!argv.startsWith("test '(' ")) return argv;
    const found = [...argv.matchAll(/-f (\S+) -a -x/g)].map((m) => m[1].split("/").at(-1)!);
    return `test <${[...new Set(found)].join(" ")}>`;
  });
}

/**
 * The traced processes before the first one matching `until` (the command's own work after its look): its argv, or
 * for a string, one of the lines it was given (an `ip -batch -`'s `  < LINE`, e.g. the plan's first command; the
 * batch that applies it reads its result as `ip -json -details -batch -`, as the look at the host does).
 */
async function probesOf(lab: TestLab, args: string[], until: RegExp | string): Promise<string[]> {
  const r = await lab.nsrecipe(["--verbose", ...args]);
  assertExit(r, 0, args.join(" "));
  const all = traced(r.stderr);
  const given = batchLines(r.stderr);
  const end = all.findIndex((l, i) => typeof until === "string" ? given[i].includes(until) : until.test(l));
  assert.ok(end >= 0, `${args.join(" ")}: no process matching ${until}:\n${all.join("\n")}`);
  // Some run side by side, and each is traced as it ends: compared in a fixed order.
  return all.slice(0, end).sort();
}

/** The lines each traced process was given (`  < LINE` after its `$ ARGV`), in the order of {@link traced}. */
function batchLines(stderr: string): string[][] {
  const out: string[][] = [];
  for (const l of stderr.split("\n")) {
    if (l.startsWith("$ ")) out.push([]);
    else if (l.startsWith("  < ") && out.length > 0) out.at(-1)!.push(l.slice(4));
  }
  return out;
}

/**
 * The iptables listings a run's netfilter facts start on this machine: `iptables -S` and `ip6tables -S` for each
 * of the two that is in the lab's PATH (`command -v`, as the runner's PATH lookup finds it).
 */
async function installedFirewallListers(lab: TestLab): Promise<string[]> {
  const out: string[] = [];
  for (const program of ["ip6tables", "iptables"]) {
    const r = await lab.sh(["sh", "-c", `command -v ${program}`]);
    assert.ok(r.code === 0 || r.code === 1, `command -v ${program}: exit ${r.code}: ${r.stderr}`);
    if (r.code === 0) out.push(`${program} -S`);
  }
  return out;
}

Deno.test("the look before the first change is pinned: run veth-bridge (with a command and setup-only), run netns, exec, undo and status spawn exactly these processes", async () => {
  await withLab(async (lab) => {
    // No run in the journal: status reads nothing of the host.
    const none = await lab.nsrecipe(["--verbose", "status"]);
    assertExit(none, 0, "status with no run");
    assert.deepEqual(traced(none.stderr), []);
    // Its own facts in one stat (with the base programs in each PATH directory) and one head, unshare and the command
    // in one which-check (test(1): access(2) refuses a noexec mount, a stat does not), the versions doctor's checks
    // judge, the host in one batch, each namespace nsrecipe did not make once; then the first change (the host side of
    // the plan, one batch). No sysctl: without --nat nothing is routed out (no ip_forward), and no forward chain drops
    // (bridge netfilter cannot decide anything).
    // iptables-legacy rules are listed with iptables(8) and ip6tables(8) where they are installed (the lab shares
    // this machine's file system); where they are not, no process starts (the spawn fails, the source reads
    // "not installed").
    const legacy = await installedFirewallListers(lab);
    const host = [
      "ip -V",
      "ip -json -details -6 rule show",
      "ip -json -details -batch -",
      "ip -n lab-lan -json addr show",
      "ip -n lab-lanhost -json addr show",
      "nft -j list ruleset",
      ...legacy,
    ];
    const own = [
      `${HEAD} ${BOOT_ID} /proc/self/status`,
      `${STAT} /proc/self/ns/net /sys/module/veth /sys/module/bridge <ip head cat stat kill setpriv>`,
    ];
    assert.deepEqual(
      await probesOf(lab, ["run", "veth-bridge", "--name", "a", "--", "true"], "netns add a"),
      [...host, ...own, "test <unshare true>", "unshare --version"].sort(),
    );
    // The other namespaces' addresses are read beside the host's lists, not after them: their names come from
    // /run/netns (no process), so each `ip -n NS` starts before the batch of the lists has ended.
    const order = await lab.sh([Deno.execPath(), "run", "-q", "-A", "--no-prompt", GATHER_ORDER]);
    assertExit(order, 0, "gather_order.ts");
    const events: string[] = JSON.parse(order.stdout);
    const listsEnd = events.indexOf("end ip -json -details -batch -");
    assert.ok(listsEnd >= 0, events.join("\n"));
    for (const ns of ["lab-lan", "lab-lanhost"]) {
      const start = events.indexOf(`start ip -n ${ns} -json addr show`);
      assert.ok(start >= 0 && start < listsEnd, `ip -n ${ns} starts before the lists end:\n${events.join("\n")}`);
    }
    // Setup-only (stdin not a terminal, no command): nothing starts inside, so no unshare version and no which-check;
    // the namespace of run 'a' is known from the journal, not entered.
    assert.deepEqual(
      await probesOf(lab, ["run", "veth-bridge", "--name", "b"], "netns add b"),
      [...host, ...own].sort(),
    );
    // --nat routes the namespace out: IPv4 forwarding is read (with the bridge netfilter settings, one sysctl). Its
    // steps' programs, first started after a change, are asked of test(1) (access(2) refuses a noexec mount).
    const sysctl =
      "sysctl -e net.ipv4.ip_forward net.bridge.bridge-nf-call-iptables net.bridge.bridge-nf-call-ip6tables";
    assert.deepEqual(
      await probesOf(lab, ["run", "veth-bridge", "--name", "c", "--nat"], "netns add c"),
      [...host, ...own, sysctl, "test <sysctl nft>"].sort(),
    );
    assertExit(await lab.nsrecipe(["undo", "c"]), 0, "undo c");
    // A forward chain of the inet family that drops: bridge netfilter decides whether it sees bridged traffic, so
    // the settings are read (after the rules); the run goes ahead with the check's warning.
    const drop = await lab.sh(
      ["nft", "-f", "-"],
      "table inet probe {\n chain fw {\n  type filter hook forward priority 0; policy drop;\n }\n}\n",
    );
    assertExit(drop, 0, "nft forward drop");
    assert.deepEqual(
      await probesOf(lab, ["run", "veth-bridge", "--name", "d"], "netns add d"),
      [...host, ...own, sysctl].sort(),
    );
    assertExit(await lab.nsrecipe(["undo", "d"]), 0, "undo d");
    assertExit(await lab.sh(["nft", "delete table inet probe"]), 0, "nft delete");
    // netns wires no link: no firewall, forwarding, IPv6 rules or other namespaces' addresses are read, nor the
    // kernel modules (no check of them).
    assert.deepEqual(
      await probesOf(lab, ["run", "netns", "--name", "n", "--", "true"], /^ip netns add n$/),
      [
        `${HEAD} ${BOOT_ID} /proc/self/status`,
        "ip -V",
        "ip -json -details -batch -",
        `${STAT} /proc/self/ns/net <ip head cat stat kill setpriv>`,
        "test <unshare true>",
        "unshare --version",
      ],
    );
    // exec: the lock's namespace, the run's processes (none: a new PID namespace), then one which-check for the
    // prefix's programs and the command.
    assert.deepEqual(
      await probesOf(lab, ["exec", "a", "--", "true"], /^ip netns exec a /),
      ["ip netns pids a", `${STAT} /proc/self/ns/net`, "test <ip unshare true>"],
    );
    // A command that is not there is still refused in its own words, before anything starts (the one which-check
    // said no: each program is then checked on its own).
    const missing = await lab.nsrecipe(["exec", "a", "--", "no-such-program-x"]);
    assertExit(missing, 2, "exec of a missing command");
    assert.match(missing.stderr, /'no-such-program-x' was not found in PATH; nothing was changed/);
    // status with runs: this boot and this namespace; its look at the host (ip, lsns: src/cli/status_look.ts) runs
    // beside them, so it is left out here rather than cut at.
    const status = await lab.nsrecipe(["--verbose", "status"]);
    assertExit(status, 0, "status");
    assert.deepEqual(traced(status.stderr).filter((l) => !/^(ip|lsns) /.test(l)).sort(), [
      `${HEAD} ${BOOT_ID}`,
      `${STAT} /proc/self/ns/net`,
    ]);
    // undo: the namespace (the host lock) with the base programs, the boot id (the engine records it); then its work.
    assert.deepEqual(
      await probesOf(lab, ["undo", "b"], /^ip /),
      [`${HEAD} ${BOOT_ID}`, `${STAT} /proc/self/ns/net <ip head cat stat kill setpriv>`],
    );
    assertExit(await lab.nsrecipe(["undo", "--all"]), 0, "undo --all");
    // Nothing to undo: the lock's namespace and the programs, one process.
    const nothing = await lab.nsrecipe(["--verbose", "undo"]);
    assertExit(nothing, 0, "undo with nothing to undo");
    assert.deepEqual(traced(nothing.stderr), [`${STAT} /proc/self/ns/net <ip head cat stat kill setpriv>`]);
  });
});
