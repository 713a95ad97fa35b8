import assert from "node:assert/strict";
import { natTable } from "../../recipes/nat_table.ts";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";

/** The finding's foreign chain: someone's input filter with a telnet drop, in a table of `table`'s name. */
const ADMIN_CHAIN = "add chain inet T admin { type filter hook input priority 10; policy accept; }";
const ADMIN_RULE = "add rule inet T admin tcp dport 23 drop";

async function nft(lab: TestLab, ...commands: string[]): Promise<void> {
  for (const c of commands) {
    const r = await lab.sh(["nft", c]);
    assert.equal(r.code, 0, `${c}: ${r.stderr}`);
  }
}

async function listTable(lab: TestLab, table: string): Promise<string> {
  const r = await lab.sh(["nft", "list", "table", "inet", table]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

Deno.test("H16: --nat refuses (exit 3, plan and run) when its table exists with someone's rule, naming it; nothing changes", async () => {
  await withLab(async (lab) => {
    const table = natTable("n");
    await nft(lab, `add table inet ${table}`, ADMIN_CHAIN.replace("T", table), ADMIN_RULE.replace("T", table));
    const before = await lab.snapshot();
    assert.ok(before.nftables.some((l) => l.includes("tcp dport 23 drop")), before.nftables.join("\n"));
    for (const verb of ["plan", "run"]) {
      const r = await lab.nsrecipe([verb, "veth-bridge", "--name", "n", "--nat"]);
      assert.equal(r.code, EXIT.precondition, r.stdout + r.stderr);
      assert.match(r.stderr, new RegExp(`The nftables table 'inet ${table}' that --nat makes for 'n' already exists`));
      assert.match(r.stderr, new RegExp(`nft list table inet ${table}`));
    }
    const doctor = await lab.nsrecipe(["--json", "doctor", "--name", "n"]);
    const names = (JSON.parse(doctor.stdout).findings as { id: string; verdict: string; summary: string }[])
      .find((f) => f.id === "netns-name");
    assert.equal(names?.verdict, "warn", doctor.stdout);
    assert.match(
      names?.summary ?? "",
      new RegExp(`the nftables table 'inet ${table}' that 'veth-bridge --name n --nat'`),
    );
    assert.deepEqual(await lab.snapshot(), before);
    assert.match((await lab.nsrecipe(["undo"])).stdout, /Nothing to undo/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("H16: a chain and rule someone adds to --nat's table after the run survive undo; nsrecipe's chains and the rest of the run are undone", async () => {
  await withLab(async (lab) => {
    const table = natTable("n");
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n", "--nat"]);
    assert.equal(r.code, 0, r.stderr);
    await nft(lab, ADMIN_CHAIN.replace("T", table), ADMIN_RULE.replace("T", table));
    const u = await lab.nsrecipe(["undo"]);
    assert.equal(u.code, 0, u.stderr);
    assert.match(
      u.stderr,
      new RegExp(
        `Deleted nsrecipe.s chains .postrouting., .forward. of nftables table inet ${table} and left the table: it holds what nsrecipe did not make \\(chain .admin., rule in .admin.\\)`,
      ),
    );
    const left = await listTable(lab, table);
    assert.match(left, /chain admin \{[^}]*tcp dport 23 drop/);
    assert.doesNotMatch(left, /masquerade|postrouting|forward/, "nsrecipe's chains are gone");
    // Everything but that table is as before.
    const after = await lab.snapshot();
    assert.deepEqual({ ...after, nftables: [] }, { ...before, nftables: [] });
    assert.deepEqual(before.nftables, []);
    assert.match((await lab.nsrecipe(["undo"])).stdout, /Nothing to undo/);
  });
});

Deno.test("H16: --nat's table deleted and made anew by someone under its name: undo leaves the new one and its rule", async () => {
  await withLab(async (lab) => {
    const table = natTable("n");
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n", "--nat"]);
    assert.equal(r.code, 0, r.stderr);
    await nft(
      lab,
      `delete table inet ${table}`,
      `add table inet ${table}`,
      ADMIN_CHAIN.replace("T", table),
      ADMIN_RULE.replace("T", table),
    );
    const theirs = await listTable(lab, table);
    const u = await lab.nsrecipe(["undo"]);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(await listTable(lab, table), theirs);
    const netns = (await lab.sh(["ip", "netns", "list"])).stdout;
    assert.match(netns, /^lab-lan /m, "the lab's own netns is listed");
    assert.doesNotMatch(netns, /^n( |$)/m, "the run's netns is gone");
  });
});

Deno.test("--nat's own table, unchanged, is deleted by undo: the ruleset is as before", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n", "--nat"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(await listTable(lab, natTable("n")), /masquerade/);
    const u = await lab.nsrecipe(["undo"]);
    assert.equal(u.code, 0, u.stderr);
    assert.doesNotMatch(u.stderr, /left the table/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("--nat on a bridge that carries the LAN (after full-migrate) is refused by plan and run (exit 3, also with --force): the namespace would be on the LAN, and masquerading the LAN's subnet out of the bridge would rewrite the bridged traffic of the migrated namespace; without --nat the run goes ahead", async () => {
  await withLab(async (lab) => {
    const migrate = ["run", "full-migrate", "--name", "m", "--address", "198.51.100.50/24", "--no-confirm"];
    assert.equal((await lab.nsrecipe(migrate)).code, EXIT.ok);
    const before = await lab.snapshot();
    for (const args of [["plan"], ["run"], ["run", "--force"]]) {
      const r = await lab.nsrecipe([args[0], "veth-bridge", "--name", "w", "--nat", ...args.slice(1)]);
      assert.equal(r.code, EXIT.precondition, `${args.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /^nsrecipe: --nat does not apply on bridge 'br0': it carries the LAN, so the namespace is on the LAN itself \(as 198\.51\.100\.\d+\) with nothing to masquerade/m,
      );
      assert.match(r.stderr, /Leave out --nat: the namespace reaches the LAN and its gateway through 'br0'/);
      assert.deepEqual(await lab.snapshot(), before, args.join(" "));
    }
    const run = await lab.nsrecipe(["run", "veth-bridge", "--name", "w"]);
    assert.equal(run.code, EXIT.ok, run.stderr);
    assert.equal(
      (await lab.sh(["ip", "netns", "exec", "w", "ping", "-c", "1", "-w", "10", "198.51.100.20"])).code,
      0,
      "the namespace reaches the LAN host directly",
    );
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, EXIT.ok);
  });
});
