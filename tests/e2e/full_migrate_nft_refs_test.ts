/**
 * F2: nftables rules that name the uplink through a named set, a verdict
 * map (named or anonymous, with a concatenated key), a concatenation or a
 * nat chain's `oifname` are reported by doctor and plan and refused by run
 * before any change, in a lab whose input policy would cut the host off the
 * LAN once the uplink is a bridge port.
 */
import assert from "node:assert/strict";
import { snapshotDiff, withLab } from "../support/lab.ts";

/** The hostile tester's firewall (F2), and more of the kind: each rule names eth0 in another form. */
const RULESET = `
table inet fw {
  set trusted_ifs { type ifname; elements = { "eth0", "lo" } }
  map vm { type ifname : verdict; elements = { "eth0" : accept } }
  map cm { type ifname . ipv4_addr : verdict; elements = { "eth0" . 198.51.100.20 : accept } }
  chain input { type filter hook input priority 0; policy drop;
    iifname @trusted_ifs accept
  }
  chain more { iifname vmap @vm
    iifname . ip saddr { "eth0" . 10.0.0.1 } accept
    iifname . ip saddr vmap @cm
  }
  chain post { type nat hook postrouting priority 100;
    ip saddr 10.0.0.0/8 oifname "eth0" masquerade
  }
}
`;

/** The reported forms, one per rule of {@link RULESET}. */
const FORMS = [
  /nft rule inet fw input \(handle \d+\): iifname == @trusted_ifs \("eth0"\)/,
  /nft rule inet fw more \(handle \d+\): iifname vmap @vm \("eth0"\)/,
  /nft rule inet fw more \(handle \d+\): iifname \. ip saddr == "eth0"/,
  /nft rule inet fw more \(handle \d+\): iifname \. ip saddr vmap @cm \("eth0"\)/,
  /nft rule inet fw post \(handle \d+\): oifname == "eth0"/,
];

Deno.test("F2: rules naming the uplink through sets, maps and concatenations are named by doctor and plan, and run refuses them (exit 3, nothing changed)", async () => {
  await withLab(async (lab) => {
    const loaded = await lab.sh(["nft", "-f", "-"], RULESET);
    assert.equal(loaded.code, 0, loaded.stderr);
    const ping = () => lab.sh(["ip", "netns", "exec", "lab-lanhost", "ping", "-c", "1", "-W", "2", "198.51.100.10"]);
    assert.equal((await ping()).code, 0, "the LAN reaches the host through the firewall");
    const before = await lab.snapshot();
    const doctor = await lab.nsrecipe(["--json", "doctor"]);
    const found = (JSON.parse(doctor.stdout) as { findings: { id: string; verdict: string; summary: string }[] })
      .findings.find((f) => f.id === "uplink-refs");
    assert.equal(found?.verdict, "warn", doctor.stdout);
    for (const form of FORMS) assert.match(found?.summary ?? "", form);
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
      for (const form of FORMS) assert.match(r.stderr, form, cmd);
      assert.match(r.stderr, /--force/);
      if (cmd === "plan") {
        // P27: plan shows the plan run --force would apply, then the refusal, said once.
        assert.match(r.stdout, /^ 1\. /m, r.stdout);
        assert.match(r.stdout, /ip link set dev eth0 master br0/, r.stdout);
        assert.equal(
          r.stderr.split("\n").filter((l) => l.includes("Firewall rules match")).length,
          1,
          r.stderr,
        );
        assert.match(
          r.stderr,
          /^nsrecipe: 'nsrecipe run' refuses this plan unless --force: Firewall rules match on 'eth0' and stop matching once it is a port of 'br0'/m,
        );
        assert.doesNotMatch(r.stderr, /Going ahead/);
        const json = await lab.nsrecipe([
          "--json",
          cmd,
          "full-migrate",
          "--name",
          "fm",
          "--address",
          "198.51.100.50/24",
        ]);
        assert.equal(json.code, 3, json.stderr);
        const doc = JSON.parse(json.stdout);
        assert.equal(doc.ok, false);
        assert.equal(doc.exitCode, 3);
        assert.equal(doc.error.kind, "PreconditionError");
        assert.match(
          doc.error.message,
          /^'nsrecipe run' refuses this plan unless --force: Firewall rules match on 'eth0'/,
        );
        assert.ok(doc.steps.length > 0, json.stdout);
      }
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
    }
    assert.equal((await ping()).code, 0, "the host is still reachable from the LAN");
  });
});
