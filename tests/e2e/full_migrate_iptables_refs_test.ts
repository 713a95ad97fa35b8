/**
 * Rules made with iptables(8) that name the uplink, as on a Debian host whose firewall is written with iptables:
 * Debian's `iptables` is iptables-nft, which keeps its rules in nftables tables of its own (`ip filter`, `ip6 filter`,
 * `ip nat`, with the chains' iptables names). doctor and plan name each such rule once (from the nftables ruleset;
 * `iptables -S` lists the same filter rules, which are left out: `iptables_link_refs.ts`), and run refuses them
 * before any change (exit 3), the host as before and still reachable from the LAN.
 *
 * Needs iptables with its nf_tables backend (`.ci/run` installs it); without iptables the case is skipped.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { snapshotDiff, withLab } from "../support/lab.ts";
import { doctorFindings } from "../support/doctor_json.ts";

/** Whether iptables is installed in a directory of this machine's PATH (the lab shares its file system). */
const IPTABLES = (Deno.env.get("PATH") ?? "").split(":").some((dir) => dir && existsSync(`${dir}/iptables`));

/** The admin's rules, each naming eth0 in a form iptables users write, in the three tables iptables-nft keeps. */
const RULES: string[][] = [
  ["iptables", "-A", "INPUT", "-i", "eth0", "-p", "tcp", "--dport", "22", "-j", "ACCEPT"],
  ["iptables", "-A", "INPUT", "-i", "eth+", "-m", "conntrack", "--ctstate", "ESTABLISHED", "-j", "ACCEPT"],
  ["ip6tables", "-A", "FORWARD", "-o", "eth0", "-j", "DROP"],
  ["iptables", "-t", "nat", "-A", "POSTROUTING", "-s", "10.0.0.0/8", "-o", "eth0", "-j", "MASQUERADE"],
];

/** Each rule as reported: its nftables table and chain, and the interface match (the wildcard `eth+` as `eth*`). */
const FORMS = [
  /nft rule ip filter INPUT \(handle \d+\): iifname == "eth0"/g,
  /nft rule ip filter INPUT \(handle \d+\): iifname == "eth\*"/g,
  /nft rule ip6 filter FORWARD \(handle \d+\): oifname == "eth0"/g,
  /nft rule ip nat POSTROUTING \(handle \d+\): oifname == "eth0"/g,
];

/** How many times `form` occurs in `text`. */
function count(text: string, form: RegExp): number {
  return [...text.matchAll(form)].length;
}

Deno.test({
  name:
    "iptables rules naming the uplink (iptables-nft, Debian's iptables) are named once each by doctor and plan, and run refuses them (exit 3, nothing changed)",
  ignore: !IPTABLES,
  fn: async () => {
    await withLab(async (lab) => {
      const version = await lab.sh(["iptables", "-V"]);
      assert.match(version.stdout, /\(nf_tables\)/, "Debian's iptables is the nf_tables one");
      for (const rule of RULES) {
        const r = await lab.sh(rule);
        assert.equal(r.code, 0, `${rule.join(" ")}: ${r.stderr}`);
      }
      const ping = () => lab.sh(["ip", "netns", "exec", "lab-lanhost", "ping", "-c", "1", "-W", "2", "198.51.100.10"]);
      assert.equal((await ping()).code, 0, "the LAN reaches the host through the firewall");
      const before = await lab.snapshot();

      const { findings, stdout } = await doctorFindings(lab);
      const found = findings.find((f) => f.id === "uplink-refs");
      assert.equal(found?.verdict, "warn", stdout);
      for (const form of FORMS) assert.equal(count(found?.summary ?? "", form), 1, `${form} in ${found?.summary}`);
      assert.doesNotMatch(found?.summary ?? "", /iptables -A/, "the filter rules are not named a second time");

      for (const cmd of ["plan", "run"]) {
        const r = await lab.nsrecipe([
          cmd,
          "full-migrate",
          "--name",
          "fm",
          "--address",
          "198.51.100.50/24",
          ...(cmd === "run" ? ["--no-confirm"] : []),
        ]);
        assert.equal(r.code, 3, `${cmd}: ${r.code} ${r.stderr}`);
        const refusal = r.stderr.split("\n").find((l) => l.startsWith("nsrecipe: ")) ?? "";
        for (const form of FORMS) assert.equal(count(refusal, form), 1, `${cmd}: ${form} in ${refusal}`);
        assert.match(r.stderr, /--force/);
        const after = await lab.snapshot();
        assert.deepEqual(after, before, snapshotDiff(before, after));
      }
      assert.equal((await ping()).code, 0, "the host is still reachable from the LAN");
      // The rules are as the admin wrote them: nothing was added to or taken from the firewall.
      const listed = await lab.sh(["iptables", "-S", "INPUT"]);
      assert.equal(
        listed.stdout,
        "-P INPUT ACCEPT\n-A INPUT -i eth0 -p tcp -m tcp --dport 22 -j ACCEPT\n" +
          "-A INPUT -i eth+ -m conntrack --ctstate ESTABLISHED -j ACCEPT\n",
      );
    });
  },
});

Deno.test({
  name:
    "iptables-legacy tables beside iptables-nft (iptables -S only warns that they are present): doctor says their rules were not checked, run full-migrate refuses (exit 3, nothing changed) and goes ahead with --force",
  ignore: !IPTABLES || !(Deno.env.get("PATH") ?? "").split(":").some((d) => d && existsSync(`${d}/iptables-legacy`)),
  fn: async () => {
    await withLab(async (lab) => {
      const added = await lab.sh(["iptables-legacy", "-A", "INPUT", "-i", "eth0", "-j", "ACCEPT"]);
      assert.equal(added.code, 0, added.stderr);
      const before = await lab.snapshot();
      const { findings, stdout } = await doctorFindings(lab);
      const found = findings.find((f) => f.id === "uplink-refs");
      assert.equal(found?.verdict, "warn", stdout);
      assert.equal(
        found?.summary,
        "iptables-legacy tables are present ('iptables -S' says so), which nsrecipe does not read: rules there " +
          "naming 'eth0' or 'br0' were not checked",
      );
      const migrate = ["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24", "--no-confirm"];
      const refused = await lab.nsrecipe(migrate);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /uplink-refs: iptables-legacy tables are present/);
      assert.match(refused.stderr, /List them with 'iptables-legacy -S'/);
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
      const forced = await lab.nsrecipe([...migrate, "--force"]);
      assert.equal(forced.code, 0, forced.stderr);
      assert.match(forced.stderr, /iptables-legacy tables are present/, "said again when forced");
      assert.equal((await lab.nsrecipe(["undo", "fm"])).code, 0);
    });
  },
});
