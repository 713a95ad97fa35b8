/**
 * full-migrate's smaller input cases (hostile test M11, M12): an --uplink
 * given by an alternative name says whose it is (exit 2); --address6 on an
 * uplink without an IPv6 default route is refused like the IPv4 case (exit
 * 3), before any change.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

const PLAN = ["plan", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24"];

async function sh(lab: TestLab, argv: string[]): Promise<void> {
  const r = await lab.sh(argv);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
}

Deno.test("--uplink given as an alternative name of the uplink (enp0s3, wan): exit 2 naming the link's name; its name plans", async () => {
  await withLab(async (lab) => {
    for (const alt of ["enp0s3", "wan"]) {
      await sh(lab, ["ip", "link", "property", "add", "dev", "eth0", "altname", alt]);
    }
    for (const alt of ["enp0s3", "wan"]) {
      const r = await lab.nsrecipe([...PLAN, "--uplink", alt]);
      assertExit(r, EXIT.usage, `plan --uplink ${alt}`);
      assert.match(r.stderr, new RegExp(`--uplink '${alt}' is an alternative name of 'eth0'`));
      assert.match(r.stderr, /Give its name: --uplink eth0\./);
    }
    assertExit(await lab.nsrecipe([...PLAN, "--uplink", "eth0"]), EXIT.ok, "plan --uplink eth0");
    const missing = await lab.nsrecipe([...PLAN, "--uplink", "eth9"]);
    assertExit(missing, EXIT.precondition, "plan --uplink eth9");
    assert.match(missing.stderr, /The uplink 'eth9' does not exist/);
  });
});

Deno.test("--address6 on an uplink without an IPv6 default route: plan and run exit 3 before any change; without --address6 it runs", async () => {
  await withLab(async (lab) => {
    await sh(lab, ["ip", "-6", "route", "del", "default", "via", "2001:db8:1::1", "dev", "eth0"]);
    const before = await lab.snapshot();
    const with6 = ["--address6", "2001:db8:1::50/64"];
    const plan = await lab.nsrecipe([...PLAN, ...with6]);
    assertExit(plan, EXIT.precondition, "plan --address6");
    assert.match(
      plan.stderr,
      /The uplink 'eth0' has no IPv6 default route, so the namespace's --address6 would have no IPv6 gateway/,
    );
    const run = await lab.nsrecipe(["run", ...PLAN.slice(1), ...with6, "--no-confirm"]);
    assertExit(run, EXIT.precondition, "run --address6");
    assertSameHost(await lab.snapshot(), before, "a refused run");
    assertExit(await lab.nsrecipe(["run", ...PLAN.slice(1), "--no-confirm"]), EXIT.ok, "run without --address6");
    assertExit(await lab.nsrecipe(["undo"]), EXIT.ok, "undo");
    assertSameHost(await lab.snapshot(), before, "undo");
  });
});

Deno.test("--confirm with --no-confirm, in either order (and --confirm=S), exits 2 before any change; a command's own --confirm after '--' is not nsrecipe's", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const run = ["run", ...PLAN.slice(1)];
    for (
      const both of [["--no-confirm", "--confirm", "10"], ["--confirm", "10", "--no-confirm"], [
        "--confirm=10",
        "--no-confirm",
      ]]
    ) {
      const r = await lab.nsrecipe([...run, ...both]);
      assertExit(r, EXIT.usage, both.join(" "));
      assert.match(r.stderr, /--confirm and --no-confirm contradict each other/);
    }
    assertSameHost(await lab.snapshot(), before, "refused runs");
    const netns = await lab.nsrecipe([
      "run",
      "netns",
      "--name",
      "z",
      "--no-confirm",
      "--rm",
      "--",
      "echo",
      "--confirm",
    ]);
    assertExit(netns, EXIT.ok, "run netns -- echo --confirm");
    assert.match(netns.stdout, /--confirm/);
  });
});
