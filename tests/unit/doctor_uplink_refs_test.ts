import assert from "node:assert/strict";
import { checkUplinkRefs } from "../../src/doctor/uplink_refs.ts";
import { doctorFacts, labHost, text } from "../support/doctor_facts.ts";
import { parseBoundSockets, readBoundSockets, socketsBoundTo } from "../../src/host/mod.ts";
import { recordingRunner } from "../../src/exec/mod.ts";

const iifRule = (family: string, name: string) => ({
  rule: {
    family,
    table: "filter",
    chain: "input",
    handle: 7,
    expr: [{ match: { op: "==", left: { meta: { key: "iifname" } }, right: name } }, { accept: null }],
  },
});

Deno.test("uplink-refs: an inet rule matching the uplink by name warns, naming the rule and the fix; policy rules it moves are named", () => {
  const f = checkUplinkRefs(
    doctorFacts({
      host: text(labHost({
        nftables: [iifRule("inet", "eth0"), iifRule("bridge", "eth0")],
        rules4: [{ priority: 100, src: "all", iif: "eth0", table: "100" }],
      })),
    }),
    {},
  );
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    "Firewall rules match on 'eth0' and stop matching once it is a port of a bridge: " +
      'nft rule inet filter input (handle 7): iifname == "eth0"; ' +
      "full-migrate moves the 1 policy rule(s) naming it to the bridge",
  );
  assert.match(f.fix ?? "", /iifname \{ "eth0", "br0" \}.*--force/s);
});

Deno.test("uplink-refs: no rule naming the uplink is ok; an unreadable ruleset warns", () => {
  const ok = checkUplinkRefs(doctorFacts({ host: text(labHost({ nftables: [iifRule("inet", "eth1")] })) }), {});
  assert.deepEqual([ok.verdict, ok.summary], [
    "ok",
    "No firewall rule matches on 'eth0' by name and no socket is bound to it; no rule names 'br0'; " +
    "no multicast group beyond the kernel's own is joined on 'eth0'",
  ]);
  const unread = checkUplinkRefs(doctorFacts({ host: text(labHost({ nftables: undefined })) }), {});
  assert.equal(unread.verdict, "warn");
  assert.match(unread.summary, /could not be read/);
});

const SS = [
  'udp   UNCONN 0      0      *%eth0:5000          *:*    users:(("python3",pid=812,fd=3))',
  'udp   UNCONN 0      0      0.0.0.0%eth0:67      0.0.0.0:*    users:(("dnsmasq",pid=9,fd=4),("dnsmasq",pid=9,fd=5))',
  'udp   UNCONN 0      0      [::]%eth0:547        [::]:*    users:(("dnsmasq",pid=9,fd=6))',
  'raw   UNCONN 0      0      *%eth0:vrrp          *:*    users:(("keepalived",pid=77,fd=9))',
  "tcp   LISTEN 0      4096   [fe80::1]%eth0:22    [::]:*",
  'tcp   LISTEN 0      128    0.0.0.0:2024         0.0.0.0:*    users:(("sshd",pid=5,fd=3))',
  'udp   UNCONN 0      0      127.0.0.53%lo:53     0.0.0.0:*    users:(("systemd-resolve",pid=4,fd=13))',
  "udp   UNCONN 0      0      *%eth01:5001         *:*",
].join("\n");

Deno.test("parseBoundSockets: sockets bound to a link by name (UDP, raw VRRP, TCP on a link-local address), with their processes; unbound ones left out", () => {
  const all = parseBoundSockets(SS);
  assert.deepEqual(all.map((s) => s.dev), ["eth0", "eth0", "eth0", "eth0", "eth0", "lo", "eth01"]);
  assert.deepEqual(socketsBoundTo(all, "eth0"), [
    "udp *%eth0:5000 (python3 (pid 812))",
    "udp 0.0.0.0%eth0:67 (dnsmasq (pid 9))",
    "udp [::]%eth0:547 (dnsmasq (pid 9))",
    "raw *%eth0:vrrp (keepalived (pid 77))",
    "tcp [fe80::1]%eth0:22",
  ]);
  assert.deepEqual(socketsBoundTo(all, "eth1"), []);
});

Deno.test("uplink-refs: a socket bound to the uplink warns beside a firewall rule, naming both; 'ss' missing warns", () => {
  const f = checkUplinkRefs(
    doctorFacts({
      host: text(labHost({ nftables: [iifRule("inet", "eth0")], boundSockets: parseBoundSockets(SS) })),
    }),
    {},
  );
  assert.equal(f.verdict, "warn");
  assert.match(
    f.summary,
    /^Firewall rules match on 'eth0'.*\. Services are bound to 'eth0' by name \(SO_BINDTODEVICE\)/,
  );
  assert.match(f.summary, /raw \*%eth0:vrrp \(keepalived \(pid 77\)\)/);
  assert.match(f.fix ?? "", /bind them to 'br0' once it exists.*--force/);
  // The fix starts as a sentence whichever hint comes first (so doctor's text wraps it as prose, cli/wrap.ts).
  const bound = checkUplinkRefs(doctorFacts({ host: text(labHost({ boundSockets: parseBoundSockets(SS) })) }), {});
  assert.equal(
    bound.fix,
    "Bind them to 'br0' once it exists, or stop them first; full-migrate refuses until then, or goes ahead with --force.",
  );
  const missing = checkUplinkRefs(doctorFacts({ host: text(labHost({ boundSockets: undefined })) }), {});
  assert.equal(missing.verdict, "warn");
  assert.match(missing.summary, /sockets could not be listed/);
});

/** Raw sockets as `ss` lists them on a kernel without raw_diag (from /proc/net/raw: no link). */
const SS_NO_RAW_DIAG = [
  'raw   UNCONN 0      0      0.0.0.0:1            0.0.0.0:*    users:(("ping",pid=46,fd=3))',
  'raw   UNCONN 0      0            *:58                 *:*    users:(("ping",pid=46,fd=4))',
  'raw   UNCONN 0      0      0.0.0.0:112          0.0.0.0:*    users:(("keepalived",pid=77,fd=9))',
  'udp   UNCONN 0      0      *%eth0:5000          *:*    users:(("python3",pid=812,fd=3))',
].join("\n");

/** /proc/kallsyms lines, with or without raw_diag's handler. */
const kallsyms = (rawDiag: boolean) =>
  [
    "ffffffff82099ca0 t tcp_diag_dump",
    "ffffffff8209ad90 t udp_dump",
    ...(rawDiag ? ["ffffffffc0a01040 t raw_diag_dump\t[raw_diag]"] : []),
    "ffffffff8203fa20 T raw_abort",
  ].join("\n");

Deno.test("F18: readBoundSockets on a kernel without raw_diag returns the raw sockets (ping's ICMP and ICMPv6, keepalived's VRRP) as unseen, not as unbound", async () => {
  const { run, calls } = recordingRunner((argv) =>
    argv[0] === "ss" ? { stdout: SS_NO_RAW_DIAG } : { stdout: kallsyms(false) }
  );
  const scan = await readBoundSockets(run);
  assert.deepEqual(scan?.rawUnseen, [
    "raw 0.0.0.0:1 (ping (pid 46))",
    "raw *:58 (ping (pid 46))",
    "raw 0.0.0.0:112 (keepalived (pid 77))",
  ]);
  assert.deepEqual(scan?.bound.map((s) => s.local), ["*%eth0:5000"]);
  assert.deepEqual(calls.map((c) => c.argv[0]), ["ss", "cat"]);
});

Deno.test("F18: readBoundSockets with raw_diag (loaded module), or a raw socket already shown with its link, or no raw socket: nothing unseen", async () => {
  const withDiag = recordingRunner((argv) =>
    argv[0] === "ss" ? { stdout: SS_NO_RAW_DIAG } : { stdout: kallsyms(true) }
  );
  assert.deepEqual((await readBoundSockets(withDiag.run))?.rawUnseen, []);
  // A link shown for a raw socket proves sock_diag answers for raw sockets: /proc/kallsyms is not read.
  const shown = recordingRunner(() => ({ stdout: `${SS_NO_RAW_DIAG}\n${SS}` }));
  assert.deepEqual((await readBoundSockets(shown.run))?.rawUnseen, []);
  assert.deepEqual(shown.calls.map((c) => c.argv[0]), ["ss"]);
  const none = recordingRunner((argv) => argv[0] === "ss" ? { stdout: SS } : { stdout: kallsyms(false) });
  assert.deepEqual((await readBoundSockets(none.run))?.rawUnseen, []);
  assert.deepEqual(none.calls.map((c) => c.argv[0]), ["ss"]);
  // /proc/kallsyms unreadable (no CONFIG_KALLSYMS): whether raw_diag is there cannot be told, so they are unseen.
  const unknown = recordingRunner((argv) => argv[0] === "ss" ? { stdout: SS_NO_RAW_DIAG } : { code: 1 });
  assert.equal((await readBoundSockets(unknown.run))?.rawUnseen.length, 3);
});

Deno.test("F18: uplink-refs warns about raw sockets whose link the kernel cannot report, naming them; alone it does not say full-migrate refuses", () => {
  const raw = ["raw 0.0.0.0:112 (keepalived (pid 77))"];
  const alone = checkUplinkRefs(doctorFacts({ host: text(labHost({ rawSocketsUnseen: raw })) }), {});
  assert.equal(alone.verdict, "warn");
  assert.equal(
    alone.summary,
    "Not checked whether raw sockets are bound to 'eth0': this kernel lacks raw_diag, so 'ss' cannot show their " +
      "link: raw 0.0.0.0:112 (keepalived (pid 77))",
  );
  assert.equal(alone.fix, "Check by hand that none of those raw sockets is bound to 'eth0' (keepalived, 'ping -I').");
  const beside = checkUplinkRefs(
    doctorFacts({ host: text(labHost({ nftables: [iifRule("inet", "eth0")], rawSocketsUnseen: raw })) }),
    {},
  );
  assert.match(beside.summary, /^Firewall rules match on 'eth0'.*\. Not checked whether raw sockets/);
  assert.match(beside.fix ?? "", /--force\. Also check by hand that none of those raw sockets/);
});
