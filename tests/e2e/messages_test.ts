import assert from "node:assert/strict";
import { RECIPES } from "../../recipes/mod.ts";
import { EXIT } from "../../src/errors.ts";
import { fieldsOf } from "../../src/cli/recipe_options.ts";
import { withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";
import { clockTime } from "../../src/cli/clock.ts";

const ZOD_WORDING = /Invalid input|expected (string|number|boolean)|received (undefined|NaN)|Too (small|big)/;

Deno.test("validation messages name the option (or file and key), what was given and what is accepted, never zod's words", async () => {
  await withLab(async (lab) => {
    await lab.sh(["sh", "-c", 'printf \'mtu: "x"\\nnat: "yes"\\n\' > /run/bad.yaml']);
    const cases: [string[], RegExp][] = [
      [["plan", "full-migrate"], /--address is required; it takes: the namespace's IPv4 address on the LAN, CIDR/],
      [["plan", "veth-bridge", "--mtu", "abc"], /--mtu: 'abc' is not a number; it takes: MTU of the veth pair/],
      [["plan", "veth-bridge", "--mtu", "10"], /--mtu: '10' is too small, the least accepted is 68/],
      [["plan", "veth-bridge", "--mtu", "70000"], /--mtu: '70000' is too big, the most accepted is 65535/],
      [["plan", "veth-bridge", "--mtu", "1500.5"], /--mtu: '1500.5' is not a whole number/],
      [["plan", "veth-bridge", "-f", "/run/bad.yaml"], /'mtu' in '\/run\/bad.yaml': 'x' is not a number/],
      [
        ["plan", "veth-bridge", "-f", "/run/bad.yaml"],
        /'nat' in '\/run\/bad.yaml' is a flag: true or false, not 'yes'/,
      ],
      [["plan", "netns", "--name", "a b"], /'a b' given to --name is not allowed\. Use letters, digits/],
      [["plan", "netns", "-f", "/run/nosuch.yaml"], /no such file/],
    ];
    for (const [args, message] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, ZOD_WORDING);
    }
  });
});

Deno.test("every option of every recipe has a description of its own, and show's Example itself plans", async () => {
  await withLab(async (lab) => {
    for (const recipe of RECIPES) {
      const show = await lab.nsrecipe(["show", recipe.name]);
      assert.equal(show.code, 0, show.stderr);
      const lines = show.stdout.split("\n").filter((l) => /^ {2}--/.test(l));
      // One line per option of the recipe's schema, in schema order (a format change cannot empty the loop below).
      assert.deepEqual(
        lines.map((l) => l.trim().split(/\s/)[0]),
        fieldsOf(recipe.params).map((f) => f.flag),
        `${recipe.name}: the options show lists`,
      );
      for (const line of lines) {
        const [, flag, text] = line.match(/^ {2}--([a-z0-9-]+)(?: <value>)?\s+(.*)$/)!;
        assert.notEqual(
          text.replaceAll("-", ""),
          flag.replaceAll("-", ""),
          `${recipe.name} --${flag} has no description`,
        );
        assert.ok(text.length > 10, `${recipe.name} --${flag}: '${text}'`);
      }
      const example = show.stdout.match(/^Example \(shows the exact commands; changes nothing\):\n {2}nsrecipe (.*)$/m)
        ?.[1];
      assert.ok(example, show.stdout);
      const r = await lab.nsrecipe(example.split(" "));
      assert.equal(r.code, 0, `${example}: ${r.stderr}`);
    }
  });
});

Deno.test("undo that ends processes in the namespace names them (pid and command), and says when one had to be killed", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "pk"])).code, 0);
    const sleeper = lab.spawn(["ip", "netns", "exec", "pk", "sleep", "1000"]);
    // SIGTERM ignored (SIG_IGN survives exec, signal(7)): this one has to be killed.
    const stubborn = lab.spawn(["ip", "netns", "exec", "pk", "sh", "-c", "trap '' TERM; exec sleep 999"]);
    try {
      await waitFor("both sleeps in pk", async () => {
        const pids = (await lab.sh(["ip", "netns", "pids", "pk"])).stdout.trim().split(/\s+/).filter(Boolean);
        const cmds = await Promise.all(pids.map(async (p) => (await lab.sh(["cat", `/proc/${p}/cmdline`])).stdout));
        return cmds.filter((c) => c.startsWith("sleep\0")).length === 2;
      });
      const r = await lab.nsrecipe(["undo", "pk"]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /^ {2}Ending 2 processes: (?=.*\d+ \(sleep 1000\))(?=.*\d+ \(sleep 999\)).* still in 'pk' \(SIGTERM\)$/m,
      );
      assert.match(
        r.stderr,
        /^ {2}1 process: \d+ \(sleep 999\) in 'pk' did not exit after SIGTERM: killed \(SIGKILL\)$/m,
      );
    } finally {
      for (const c of [sleeper, stubborn]) {
        try {
          c.kill("SIGKILL");
        } catch { /* gone with the namespace */ }
        await c.output();
      }
    }
  });
});

Deno.test("run pid-only without a terminal and without a command says it has nothing to do, as rehearse pid-only does; options that cannot apply (--confirm, --rm, --shell) are refused", async () => {
  await withLab(async (lab) => {
    const nothing = await lab.nsrecipe(["run", "pid-only"]);
    assert.equal(nothing.code, 2);
    assert.match(
      nothing.stderr,
      /Nothing to do: 'pid-only' changes nothing on the host, and without a terminal no shell/,
    );
    assert.match(nothing.stderr, /-- ps -ef/);
    for (const opt of [["--confirm", "30"], ["--no-confirm"], ["--rm"]]) {
      const r = await lab.nsrecipe(["run", "pid-only", ...opt, "--", "true"]);
      assert.equal(r.code, 2, opt.join(" "));
      assert.match(r.stderr, new RegExp(`${opt[0]} does not apply to 'pid-only': it changes nothing on the host`));
    }
    assert.equal((await lab.nsrecipe(["run", "pid-only", "--", "true"])).code, 0);
    // P26: rehearse says the same of it (no lab built, no outage measured, no verdict), text and --json.
    for (const json of [false, true]) {
      const rehearse = await lab.nsrecipe([...(json ? ["--json"] : []), "rehearse", "pid-only"]);
      assert.equal(rehearse.code, 2, rehearse.stderr);
      assert.match(rehearse.stderr, /^nsrecipe: Nothing to rehearse: 'pid-only' changes nothing on the host$/m);
      assert.doesNotMatch(rehearse.stderr + rehearse.stdout, /Rehearsing|PASS|Outage/);
      if (json) assert.equal(JSON.parse(rehearse.stdout).error.kind, "UsageError");
    }
    const before = await lab.snapshot();
    const rm = await lab.nsrecipe(["run", "netns", "--name", "r", "--rm"]);
    assert.equal(rm.code, 2, rm.stderr);
    assert.match(rm.stderr, /--rm needs a command or a shell/);
    const shell = await lab.nsrecipe(["run", "netns", "--name", "s", "--shell", "/bin/sh", "--", "true"]);
    assert.equal(shell.code, 2, shell.stderr);
    assert.match(shell.stderr, /--shell does not apply with a command: 'true' runs inside instead of a shell/);
    assert.deepEqual(await lab.snapshot(), before, "refused before any change");
  });
});

Deno.test("--verbose shows no internal probe failing: 'ip' is probed with -V, no sysctl key that cannot exist is read, and only recipes that touch the uplink read its settings", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["--verbose", "run", "netns", "--name", "v", "--", "true"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^\$ ip -V {2}\(exit 0,/m);
    assert.doesNotMatch(r.stderr, /--version {2}\(exit [1-9]/);
    assert.doesNotMatch(r.stderr, /is unknown, try "ip -help"/);
    // netns, veth-bridge and pid-only never touch the uplink: none of its per-interface settings are read.
    assert.doesNotMatch(r.stderr, /^\$ sysctl (-e )?net\//m);
    assert.doesNotMatch(r.stderr, /cannot stat \/proc\/sys/);
    // Not on a terminal: the command inherits stdio, it is not "interactive".
    assert.match(r.stderr, /^\$ ip netns exec v unshare .* -- true {2}\(stdio inherited\)$/m);
    assert.doesNotMatch(r.stderr, /\(interactive\)/);
    for (const args of [["run", "veth-bridge", "--name", "vb"], ["plan", "veth-bridge", "--name", "vc"]]) {
      const v = await lab.nsrecipe(["--verbose", ...args]);
      assert.equal(v.code, 0, v.stderr);
      assert.doesNotMatch(v.stderr, /^\$ sysctl (-e )?net\//m, args.join(" "));
    }
    // full-migrate reads them: only keys that exist (no neigh/all; neigh/default is left out by -e in a netns).
    const fm = await lab.nsrecipe([
      "--verbose",
      "plan",
      "full-migrate",
      "--name",
      "fm",
      "--bridge",
      "br9",
      "--address",
      "198.51.100.50/24",
    ]);
    assert.equal(fm.code, 0, fm.stderr);
    assert.match(fm.stderr, /^\$ sysctl -N -e net\/ipv4\/conf\/all .*net\/ipv4\/neigh\/eth0/m);
    // The values are read without the unset stable_secret, whose read fails with EIO (N22): no sysctl fails.
    assert.match(fm.stderr, /^\$ sysctl net\/ipv4\/conf\/all\/\S+ .* {2}\(exit 0,/m);
    assert.doesNotMatch(fm.stderr, /^\$ sysctl .* {2}\(exit [1-9]/m);
    assert.doesNotMatch(fm.stderr, /neigh\/all|cannot stat/);
  });
});

Deno.test("journal prints one human line per record: time, run name, the step's summary and its state", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "jr"])).code, 0);
    assert.equal((await lab.nsrecipe(["undo", "jr"])).code, 0);
    const r = await lab.nsrecipe(["journal"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    const time = String.raw`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d`;
    assert.match(lines[0], new RegExp(`^${time} {2}jr {2}run netns jr: 2 steps \\(run \\d{8}T\\d{6}-[0-9a-f]{4}\\)$`));
    assert.match(lines[1], new RegExp(`^${time} {2}jr {2}\\[1/2\\] create network namespace 'jr': starting$`));
    assert.match(lines[2], /\[1\/2\] create network namespace 'jr': done$/);
    assert.ok(
      lines.some((l) => /\[2\/2\] bring link 'lo' up in 'jr': undone with the object that held it$/.test(l)),
      r.stdout,
    );
    assert.match(lines.at(-1)!, /jr {2}run undone$/);
    const json = JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout);
    assert.equal(json.records.length, lines.length);
    assert.equal(json.records[0].kind, "run-begin");
  });
});

Deno.test("a bad value is a usage error (exit 2) even where the host would refuse the run (name taken, bridge present): input is judged before the host", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["run", "veth-bridge", "--name", "web"])).code, 0, "br0 and netns 'web' exist");
    await lab.sh(["sh", "-c", "printf 'adress: 198.51.100.50/24\\n' > /run/typo.yaml"]);
    const before = await lab.snapshot();
    for (
      const [args, line] of [
        [
          ["plan", "full-migrate", "--address", "198.51.100.300/24"],
          "--address '198.51.100.300/24' is not a CIDR like 198.51.100.50/24 (an address with its prefix length)",
        ],
        [
          ["run", "full-migrate", "--name", "web", "--address", "198.51.100.50"],
          "--address '198.51.100.50' is not a CIDR like 198.51.100.50/24 (an address with its prefix length)",
        ],
        [
          ["run", "full-migrate", "--name", "web", "--address", "2001:db8:1::50/64"],
          "--address '2001:db8:1::50/64' is not IPv4: it takes one like 198.51.100.50/24",
        ],
        [
          ["run", "veth-bridge", "--name", "web", "--subnet", "10.1.0/24"],
          "--subnet '10.1.0/24' is not a CIDR like 10.200.0.0/24 or 2001:db8:5::/64",
        ],
        [
          ["plan", "veth-bridge", "--name", "web", "--bridge-address", "10.1.0.1"],
          "--bridge-address '10.1.0.1' is not a CIDR like 198.51.100.50/24 or 2001:db8:1::50/64 (an address with its prefix length)",
        ],
        [
          ["plan", "full-migrate", "-f", "/run/typo.yaml"],
          "'/run/typo.yaml' has unknown options: 'adress' (did you mean address?)",
        ],
      ] as const
    ) {
      const r = await lab.nsrecipe([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      const [first, hint] = r.stderr.split("\n");
      assert.equal(first, `nsrecipe: ${line}`);
      assert.equal(hint.trim().includes("'nsrecipe show RECIPE'"), false, "the hint names the recipe");
      assert.match(hint, new RegExp(`'nsrecipe show ${args[1]}'`));
    }
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("a run that is not there: undo, exec, status, confirm and journal say it in one wording with one hint", async () => {
  await withLab(async (lab) => {
    const applied =
      "nsrecipe: No applied run is called 'nosuch'\n  'nsrecipe status' lists the applied runs by name and id.";
    const anyRun = "  'nsrecipe journal' lists every run by name and id; 'nsrecipe status' the applied ones.";
    const cases: [string[], string][] = [
      [["undo", "nosuch"], applied],
      [["exec", "nosuch", "--", "true"], applied],
      [["status", "nosuch"], applied],
      [["confirm", "nosuch"], `nsrecipe: No run is called 'nosuch'\n${anyRun}`],
      [["journal", "nosuch"], `nsrecipe: No run is called 'nosuch' in the journal '/run/nsrecipe'\n${anyRun}`],
    ];
    for (const [args, expected] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.equal(r.stderr, expected, args.join(" "));
    }
  });
});

Deno.test("--help names each recipe option's value (<cidr>, <dev>, <name>, <bytes>), never <value>", async () => {
  await withLab(async (lab) => {
    const veth = (await lab.nsrecipe(["help", "run", "veth-bridge"])).stdout;
    for (const option of ["--name <name>", "--bridge <dev>", "--subnet <cidr>", "--address <cidr>", "--mtu <bytes>"]) {
      assert.ok(veth.includes(`  ${option} `), option);
    }
    const migrate = (await lab.nsrecipe(["help", "plan", "full-migrate"])).stdout;
    for (const option of ["--address <cidr>", "--address6 <cidr>", "--uplink <dev>", "--veth <dev>"]) {
      assert.ok(migrate.includes(`  ${option} `), option);
    }
    const man = (await lab.nsrecipe(["man"])).stdout;
    assert.ok(man.includes("\\-\\-bridge\\-address <cidr>"));
    for (const text of [veth, migrate, man]) assert.doesNotMatch(text, /<value>/);
  });
});

Deno.test("-f file errors: YAML syntax on one line with line and column; keys as written, a capital one with a suggestion; long input cut", async () => {
  await withLab(async (lab) => {
    const files: Record<string, string> = {
      "/run/flow.yaml": "name: web\nsubnet: [10.0.0.0/24\nmtu: 1400\n",
      "/run/dup.yaml": "name: a\nname: b\n",
      "/run/nested.yaml": "name: b: c\n",
      "/run/cap.yaml": "Name: web\n",
      "/run/many.yaml": Array.from({ length: 3000 }, (_, i) => `k${i}: 1`).join("\n") + "\n",
      "/run/long.yaml": `name: ${"n".repeat(60_000)}\n`,
    };
    for (const [path, text] of Object.entries(files)) await lab.sh(["sh", "-c", `cat > ${path}`], text);
    const err = async (args: string[]) => {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      return r.stderr;
    };
    const hint = "  It takes one option a line, e.g. 'name: web', 'subnet: 10.0.0.0/24'.";
    assert.equal(
      await err(["plan", "veth-bridge", "-f", "/run/flow.yaml"]),
      "nsrecipe: '/run/flow.yaml' is not valid YAML: line 3, column 1: Flow sequence in block collection must be " +
        `sufficiently indented and end with a ]\n${hint}`,
    );
    assert.equal(
      await err(["plan", "netns", "-f", "/run/dup.yaml"]),
      `nsrecipe: '/run/dup.yaml' is not valid YAML: line 2, column 1: Map keys must be unique\n${hint}`,
    );
    assert.match(
      await err(["plan", "netns", "-f", "/run/nested.yaml"]),
      /^nsrecipe: '\/run\/nested.yaml' is not valid YAML: line 1, column 7: /,
    );
    assert.equal(
      await err(["plan", "netns", "-f", "/run/cap.yaml"]),
      "nsrecipe: '/run/cap.yaml' has unknown options: 'Name' (did you mean name?)\n" +
        "  Option names are lower case, as on the command line without '--'; 'nsrecipe show netns' lists them.",
    );
    const many = await err(["plan", "netns", "-f", "/run/many.yaml"]);
    assert.match(many, /has unknown options: 'k0', 'k1', .*'k9' and 2990 more\n/);
    assert.ok(many.length < 400, `${many.length} characters`);
    const long = await err(["plan", "netns", "-f", "/run/long.yaml"]);
    assert.match(long, /'n{160}…' \(60000 characters\)/);
    assert.ok(long.length < 600, `${long.length} characters`);
    const longName = await err(["plan", "netns", "--name", "x".repeat(100_000)]);
    assert.match(longName, /'x{160}…' \(100000 characters\)/);
    assert.ok(longName.length < 600, `${longName.length} characters`);
  });
});

Deno.test("--mtu takes decimal digits only, and is bounded by 68 and 65535 whatever the size given", async () => {
  await withLab(async (lab) => {
    const takes = "; it takes: MTU of the veth pair in bytes";
    const cases: [string, string][] = [
      ["0x5dc", "--mtu: '0x5dc' is not a number"],
      ["1e3", "--mtu: '1e3' is not a number"],
      [" 1500", "--mtu: ' 1500' is not a number"],
      ["+1500", "--mtu: '+1500' is not a number"],
      ["1500.5", "--mtu: '1500.5' is not a whole number"],
      ["99999999999999999999", "--mtu: '99999999999999999999' is too big, the most accepted is 65535"],
      ["65536", "--mtu: '65536' is too big, the most accepted is 65535"],
    ];
    for (const [given, message] of cases) {
      const r = await lab.nsrecipe(["plan", "veth-bridge", "--mtu", given]);
      assert.equal(r.code, 2, given);
      assert.equal(r.stderr.split("\n")[0], `nsrecipe: ${message}${takes}`, given);
    }
    const ok = await lab.nsrecipe(["plan", "veth-bridge", "--mtu", "1400"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /mtu 1400/);
  });
});

Deno.test("--shell without a terminal, or with --json, is refused before any step (no shell would be opened)", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [args, why] of [
        [["run", "netns", "--name", "w6", "--shell", "/nonexistent"], "without a terminal \\(stdin is not a TTY\\)"],
        [["run", "veth-bridge", "--name", "w7", "--shell", "/bin/sh"], "without a terminal \\(stdin is not a TTY\\)"],
        [["--json", "run", "netns", "--name", "w8", "--shell", "/bin/sh"], "with --json"],
      ] as const
    ) {
      const r = await lab.nsrecipe([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr + r.stdout,
        new RegExp(`--shell does not apply ${why}: no shell is opened, so it would be ignored; nothing was changed`),
      );
    }
    assert.deepEqual(await lab.snapshot(), before);
    // Without a terminal and without a command, run only sets up and prints the run id alone on stdout (N20).
    const setup = await lab.nsrecipe(["run", "netns", "--name", "w9"]);
    assert.equal(setup.code, 0, setup.stderr);
    const runs = JSON.parse((await lab.nsrecipe(["--json", "status"])).stdout).runs as { run: string; label: string }[];
    assert.deepEqual(runs.map((r) => r.label), ["w9"]);
    assert.equal(setup.stdout, `${runs[0].run}\n`);
  });
});

Deno.test("M1: plan takes run's --confirm/--no-confirm (a pasted run line plans) and shows the window; refuses them where run does", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const migrate = ["plan", "full-migrate", "--name", "p", "--address", "198.51.100.50/24"];
    const window = (s: number) =>
      `Then a confirmation window of ${s} s: undone unless confirmed ('yes' at the prompt, or 'nsrecipe confirm' from any session).`;
    const cases: [string[], number | undefined][] = [
      [migrate, 120],
      [[...migrate, "--confirm", "30"], 30],
      [[...migrate, "--no-confirm"], undefined],
      [["plan", "netns", "--name", "p", "--confirm", "45"], 45],
    ];
    for (const [args, seconds] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
      if (seconds === undefined) assert.doesNotMatch(r.stdout, /confirmation window/, args.join(" "));
      else assert.ok(r.stdout.includes(window(seconds)), `${args.join(" ")}: ${r.stdout}`);
    }
    const json = JSON.parse((await lab.nsrecipe(["--json", ...migrate, "--confirm", "30"])).stdout);
    assert.equal(json.confirmSeconds, 30);
    for (
      const [args, message] of [
        [[...migrate, "--confirm", "30", "--no-confirm"], /--confirm and --no-confirm contradict each other/],
        [[...migrate, "--confirm", "0"], /--confirm '0' is not a whole number of seconds from 1 to 3600/],
        [["plan", "pid-only", "--confirm", "30"], /--confirm does not apply to 'pid-only'/],
      ] as const
    ) {
      const r = await lab.nsrecipe([...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("M9: full-migrate refused for nsrecipe's own --nat rules names the run and how to get past it", async () => {
  await withLab(async (lab) => {
    const nat = await lab.nsrecipe(["run", "veth-bridge", "--name", "a", "--nat", "--bridge", "brnat"]);
    assert.equal(nat.code, 0, nat.stderr);
    const r = await lab.nsrecipe(["plan", "full-migrate", "--name", "m", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, EXIT.precondition, r.stderr);
    // plan shows what run --force would apply, then the refusal (as run's) and its hint, on the last two lines.
    const lines = r.stderr.trimEnd().split("\n");
    const [message, hint] = lines.slice(-2);
    assert.match(
      message,
      /^nsrecipe: 'nsrecipe run' refuses this plan unless --force: Firewall rules match on 'eth0'.*nft rule inet nsrecipe_a_[0-9a-f]+ /,
    );
    assert.equal(
      hint,
      "  They are the --nat masquerading of nsrecipe run 'a', which would stop: undo it first (nsrecipe undo a) " +
        "and run it again after this one. Or pass --force to go ahead.",
    );
  });
});

Deno.test("run killed before a batch of steps ran: the console claims none of them ([n/N] lines come once done)", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // veth-bridge's host-side steps (the namespace, the veth pair, …) run as one ip -batch; step 3's fault point
    // comes before it (src/engine/faults.ts), so nsrecipe is killed with their intents recorded and none run.
    const fault = { NSRECIPE_TEST_FAULT: "i-understand-this-breaks-nsrecipe:kill@step:2" };
    const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "kb", "--", "true"], fault);
    assert.equal(r.code, 137, r.stderr);
    assert.doesNotMatch(r.stderr, /^\[\d+\/\d+\]/m, r.stderr);
    assert.deepEqual(await lab.snapshot(), before, "no step ran");
    // Once run whole, every step is said, in order, each once.
    const ok = await lab.nsrecipe(["run", "veth-bridge", "--name", "kc", "--", "true"]);
    assert.equal(ok.code, 0, ok.stderr);
    const said = [...ok.stderr.matchAll(/^\[(\d+)\/(\d+)\] /gm)].map((m) => `${m[1]}/${m[2]}`);
    const total = Number(said[0]?.split("/")[1]);
    assert.ok(total > 2, ok.stderr);
    assert.deepEqual(said, Array.from({ length: total }, (_, i) => `${i + 1}/${total}`));
  });
});

Deno.test("a run that was undone: a second undo says so and when (exit 0); status, exec and shell of it say so and when, with what to do next (exit 2)", async () => {
  await withLab(async (lab) => {
    const made = await lab.nsrecipe(["run", "netns", "--name", "x"]);
    assert.equal(made.code, 0, made.stderr);
    const id = made.stdout.trim();
    assert.equal((await lab.nsrecipe(["undo", "x"])).code, 0);
    const records = (await Deno.readTextFile(lab.file("/run/nsrecipe/journal.jsonl"))).trim().split("\n")
      .map((l) => JSON.parse(l));
    const end = records.findLast((r) => r.kind === "run-end");
    assert.equal(end.state, "undone");
    const ended = `run '${id}' (x) was undone at ${clockTime(Date.parse(end.at))}`;
    for (const selector of ["x", id]) {
      const again = await lab.nsrecipe(["undo", selector]);
      assert.equal(again.code, EXIT.ok, again.stderr);
      assert.equal(again.stdout, `Nothing to undo: ${ended}.\n`, `undo ${selector}`);
      // --json says the same: which run, how and when it closed.
      const doc = JSON.parse((await lab.nsrecipe(["--json", "undo", selector])).stdout);
      assert.deepEqual([doc.ok, doc.undone, doc.closed], [true, [], {
        run: id,
        label: "x",
        state: "undone",
        at: end.at,
      }]);
    }
    const enter = `nsrecipe: R${ended.slice(1)}: there is nothing to enter\n` +
      "  Run the recipe again to have it back, or give an applied run ('nsrecipe status' lists them).";
    const cases: [string[], string][] = [
      [
        ["status", "x"],
        `nsrecipe: R${ended.slice(1)}: it is not applied\n` +
        "  'nsrecipe journal x' shows its records; 'nsrecipe status' lists the applied runs.",
      ],
      [["exec", "x", "--", "true"], enter],
      [["shell", "x"], enter],
    ];
    for (const [args, expected] of cases) {
      const r = await lab.nsrecipe(args);
      assert.equal(r.code, EXIT.usage, args.join(" "));
      assert.equal(r.stderr, expected, args.join(" "));
    }
  });
});

Deno.test("journal with no journal, or an empty one, says so in a line; --json gives the empty document", async () => {
  await withLab(async (lab) => {
    const path = "/run/nsrecipe/journal.jsonl";
    for (
      const [what, prepare] of [
        ["absent", ["sh", "-c", "rm -rf /run/nsrecipe"]],
        ["empty", ["sh", "-c", `mkdir -p -m 700 /run/nsrecipe && : > ${path}`]],
      ] as const
    ) {
      assert.equal((await lab.sh([...prepare])).code, 0, what);
      const text = await lab.nsrecipe(["journal"]);
      assert.equal(text.code, EXIT.ok, `${what}: ${text.stderr}`);
      assert.equal(text.stdout, `No records in the journal '${path}'.\n`, what);
      assert.equal(text.stderr, "", what);
      const json = await lab.nsrecipe(["--json", "journal"]);
      assert.equal(json.code, EXIT.ok, `${what}: ${json.stderr}`);
      assert.deepEqual(
        JSON.parse(json.stdout),
        {
          ok: true,
          exitCode: 0,
          exitFrom: "nsrecipe",
          path,
          records: [],
          problems: [],
          archive: [],
          archiveProblems: [],
        },
        what,
      );
    }
  });
});
