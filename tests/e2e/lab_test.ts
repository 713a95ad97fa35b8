/**
 * `nsrecipe lab` itself, run inside a test lab (a lab nests in a lab): its
 * options build the LAN they describe, and bad ones are usage errors.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

Deno.test("lab --address on another subnet: the LAN's gateway and other host follow it (ping both from the lab host)", async () => {
  await withLab(async (lab) => {
    for (
      const [opts, peers] of [
        [["--address", "10.9.0.10/24", "--gateway", "10.9.0.1"], ["10.9.0.1", "10.9.0.20"]],
        [["--uplink", "enp3s0", "--address", "192.0.2.10/24"], ["192.0.2.1", "192.0.2.20"]],
        [["--address", "172.16.5.3/29", "--gateway", "172.16.5.6"], ["172.16.5.6", "172.16.5.1"]],
      ] as const
    ) {
      for (const peer of peers) {
        const r = await lab.nsrecipe([
          "lab",
          ...opts,
          "--",
          "run",
          "pid-only",
          "--",
          "ping",
          "-c",
          "1",
          "-W",
          "5",
          peer,
        ]);
        assertExit(r, 0, `lab ${opts.join(" ")}: ping ${peer}`);
        assert.match(r.stderr + r.stdout, /1 received/, `lab ${opts.join(" ")}: ping ${peer}`);
      }
    }
  });
});

Deno.test("bad lab input is a usage error (exit 2) before any namespace is made, never exit 1", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [opts, pattern] of [
        [
          ["--address", "192.0.2.10/24", "--gateway", "198.51.100.1"],
          /--gateway '198.51.100.1' is not an address inside/,
        ],
        [["--address", "192.0.2.10/30"], /leaves no room for the lab's LAN/],
        [["--address", "192.0.2.10/24", "--gateway", "192.0.2.10"], /is the uplink's own address/],
        [["--address", "2001:db8:9::10/64"], /is IPv6; it takes the uplink's IPv4 address/],
      ] as const
    ) {
      const r = await lab.nsrecipe(["lab", ...opts, "--", "list"]);
      assertExit(r, EXIT.usage, `lab ${opts.join(" ")}`);
      assert.match(r.stderr, pattern);
    }
    assertSameHost(await lab.snapshot(), before, "bad lab options");
  });
});

Deno.test("the lab's shell has 'nsrecipe' in PATH, and the banner's attach line opens a second shell into the same lab", async () => {
  const [program, ...args] = [...selfArgv(), "lab"];
  const child = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "piped" }).spawn();
  const stdin = child.stdin.getWriter();
  try {
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    while (!/Another shell into this lab, from the host: (.*)\n/.test(seen)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`the lab did not start: ${seen}`);
      seen += value;
    }
    reader.releaseLock();
    const attach = /Another shell into this lab, from the host: (.*)\n/.exec(seen)![1];
    // The lab's own shell: a run made there through the 'nsrecipe' in its PATH.
    await stdin.write(
      new TextEncoder().encode("nsrecipe run netns --name twin </dev/null >/dev/null 2>&1; echo made=$?\n"),
    );
    const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let made = "";
    while (!made.includes("\n")) {
      const { value, done } = await out.read();
      if (done) break;
      made += value;
    }
    assert.equal(made.trim(), "made=0");
    // A second shell, from the host, sees that run: the same lab.
    const second = await new Deno.Command("sh", {
      args: ["-c", `${attach} -c 'type nsrecipe; nsrecipe status; ip netns list'`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(second.stdout);
    assert.equal(second.code, 0, new TextDecoder().decode(second.stderr));
    assert.match(text, /^nsrecipe is \/run\/nsrecipe\/lab-bin\/nsrecipe$/m);
    assert.match(text, /^twin +netns +applied/m);
    assert.match(text, /^twin\b/m);
    out.releaseLock();
  } finally {
    await stdin.close().catch(() => {});
    await child.status;
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
  }
});

Deno.test("a one-shot 'lab -- run' does not advise 'Undo with' for a run that vanishes with the lab", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["lab", "--", "run", "netns", "--name", "demo", "--", "true"]);
    assertExit(r, 0, "lab -- run");
    assert.match(r.stderr, /Applied run \S+ \(demo\)\. It ends with this lab\./);
    assert.doesNotMatch(r.stderr, /Undo with/);
    const kept = await lab.nsrecipe(["run", "netns", "--name", "kept", "--", "true"]);
    assert.match(kept.stderr, /Undo with: nsrecipe undo kept/, "outside a one-shot lab the advice stays");
  });
});
