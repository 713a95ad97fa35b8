import assert from "node:assert/strict";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { existsSync } from "node:fs";

/** The candidates a completion request prints (`value<TAB>description` lines, then `:DIRECTIVE`). */
function candidates(stdout: string): string[] {
  return stdout.trimEnd().split("\n").filter((l) => !l.startsWith(":")).map((l) => l.split("\t")[0]);
}

Deno.test("completions: bash, zsh and fish scripts; recipe names, option names and applied run names are offered", async () => {
  await withLab(async (lab) => {
    for (const shell of ["bash", "zsh", "fish"]) {
      const r = await lab.nsrecipe(["completions", shell]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /nsrecipe complete --|nsrecipe complete -- /, shell);
    }
    const bash = await lab.nsrecipe(["completions", "bash"]);
    const syntax = await lab.sh(["bash", "-n", "-c", bash.stdout]);
    assert.equal(syntax.code, 0, syntax.stderr);
    // The script itself, in bash: a TAB after 'nsrecipe run ve' completes the recipe. (bash-completion's
    // _get_comp_words_by_ref is stubbed; 'nsrecipe' is a function running this checkout, as tab's README suggests.)
    const tabIn = (line: string) =>
      lab.sh([
        "bash",
        "-c",
        [
          `nsrecipe() { ${selfArgv().map(posixQuote).join(" ")} "$@"; }`,
          '_get_comp_words_by_ref() { cur="${COMP_WORDS[COMP_CWORD]}"; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }',
          'source /dev/stdin; read -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=("")',
          'COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); __nsrecipe_complete; printf "%s\\n" "${COMPREPLY[@]}"',
        ].join("\n"),
      ], bash.stdout.replace(/^/, `LINE=${posixQuote(line)}\n`));
    const ve = await tabIn("nsrecipe run ve");
    assert.deepEqual(ve.stdout.trim().split("\n"), ["veth-bridge"], ve.stderr);
    const bad = await lab.nsrecipe(["completions", "tcsh"]);
    assert.equal(bad.code, 2);

    assert.deepEqual(candidates((await lab.nsrecipe(["complete", "--", "run", ""])).stdout), [
      "pid-only",
      "netns",
      "veth-bridge",
      "full-migrate",
    ]);
    assert.deepEqual(
      candidates((await lab.nsrecipe(["complete", "--", "run", "veth-bridge", "--br"])).stdout),
      ["--bridge", "--bridge-address"],
    );
    const commands = (await lab.nsrecipe(["complete", "--", ""])).stdout;
    assert.ok(candidates(commands).includes("exec"));
    // Each described in nsrecipe's words, completions too (not the library's "Generate shell completion scripts").
    assert.match(commands, /^completions\tprint the shell completion script \(bash, zsh, fish; also powershell\)/m);

    // show takes a recipe, help a command.
    assert.deepEqual(candidates((await lab.nsrecipe(["complete", "--", "show", ""])).stdout), [
      "pid-only",
      "netns",
      "veth-bridge",
      "full-migrate",
    ]);
    const helpFor = candidates((await lab.nsrecipe(["complete", "--", "help", ""])).stdout);
    assert.deepEqual(helpFor, candidates(commands).filter((c) => helpFor.includes(c)));
    for (const c of ["run", "undo", "status", "journal", "completions"]) assert.ok(helpFor.includes(c), c);

    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "old", "--", "true"])).code, 0);
    assert.equal((await lab.nsrecipe(["undo", "old"])).code, 0);
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "web"])).code, 0);
    assert.equal((await lab.nsrecipe(["run", "netns", "--name", "api"])).code, 0);
    for (const sub of ["undo", "status", "exec", "shell"]) {
      const r = await lab.nsrecipe(["complete", "--", sub, ""]);
      assert.deepEqual(candidates(r.stdout), ["api", "web"], sub);
    }
    // journal shows closed runs too; confirm only runs whose window is open (none here).
    assert.deepEqual(candidates((await lab.nsrecipe(["complete", "--", "journal", ""])).stdout), ["api", "web", "old"]);
    assert.deepEqual(candidates((await lab.nsrecipe(["complete", "--", "confirm", ""])).stdout), []);
    const windowed = await lab.nsrecipe(["run", "netns", "--name", "win", "--confirm", "60", "--", "true"]);
    assert.equal(windowed.code, 0, windowed.stderr);
    assert.deepEqual(candidates((await lab.nsrecipe(["complete", "--", "confirm", ""])).stdout), ["win"]);
    assert.equal((await lab.nsrecipe(["confirm", "win"])).code, 0);
  });
});

Deno.test("man: a manual page from the same definitions, every command and recipe option in it, no roff warnings", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["man"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\.TH NSRECIPE 1 /);
    for (const heading of ["run veth\\-bridge", "exec", "shell", "status", "completions", "undo"]) {
      assert.match(r.stdout, new RegExp(`^\\.SS nsrecipe ${heading.replaceAll("\\", "\\\\")} `, "m"), heading);
    }
    assert.match(r.stdout, /\\-\\-bridge\\-address <cidr>/);
    assert.match(r.stdout, /\\-\\-address6 <cidr>\\fR\nthe namespace's IPv6 address/);
    const check = await lab.sh(["sh", "-c", "groff -man -ww -z -Tutf8 2>&1"], r.stdout);
    assert.equal(check.stdout, "", "groff warns about the page");
  });
});

Deno.test("a stepless recipe (pid-only): its help, manual page and completion leave out --rm, --confirm and --no-confirm, which run and plan refuse for it; netns keeps them", async () => {
  await withLab(async (lab) => {
    const undoing = ["--rm", "--confirm", "--no-confirm"];
    const page = (await lab.nsrecipe(["man"])).stdout;
    /** The manual page's section of `nsrecipe COMMAND RECIPE`, up to the next one. */
    const section = (command: string, recipe: string) => {
      const from = page.indexOf(`.SS nsrecipe ${command} ${recipe.replaceAll("-", "\\-")} `);
      assert.ok(from >= 0, `${command} ${recipe} in the manual page`);
      const to = page.indexOf(".SS ", from + 1);
      return page.slice(from, to < 0 ? undefined : to).replaceAll("\\-", "-");
    };
    for (const command of ["run", "plan"]) {
      const offered = undoing.filter((o) => command === "run" || o !== "--rm");
      const help = await lab.nsrecipe([command, "pid-only", "--help"]);
      assert.equal(help.code, 0, help.stderr);
      const completed = candidates((await lab.nsrecipe(["complete", "--", command, "pid-only", "--"])).stdout);
      const netnsHelp = (await lab.nsrecipe([command, "netns", "--help"])).stdout;
      const netnsCompleted = candidates((await lab.nsrecipe(["complete", "--", command, "netns", "--"])).stdout);
      for (const o of offered) {
        const shown = new RegExp(`^ +${o}( <seconds>)? `, "m");
        assert.doesNotMatch(help.stdout, shown, `${command} pid-only --help: ${o}`);
        assert.doesNotMatch(section(command, "pid-only"), new RegExp(`${o}\\b`), `man, ${command} pid-only: ${o}`);
        assert.ok(!completed.includes(o), `complete ${command} pid-only: ${o} in ${completed}`);
        assert.match(netnsHelp, shown, `${command} netns --help: ${o}`);
        assert.match(section(command, "netns"), new RegExp(`${o}\\b`), `man, ${command} netns: ${o}`);
        assert.ok(netnsCompleted.includes(o), `complete ${command} netns: ${o} in ${netnsCompleted}`);
      }
      assert.match(help.stdout, /^ +-f, --file <file\.yaml> /m, `${command} pid-only --help keeps -f`);
    }
    // Hidden, not gone: run still refuses each in its own words.
    const rm = await lab.nsrecipe(["run", "pid-only", "--rm", "--", "true"]);
    assert.equal(rm.code, 2);
    assert.match(rm.stderr, /--rm does not apply to 'pid-only'/);
  });
});

Deno.test("help: -h, -V, 'help run veth-bridge' shows the recipe's options, each subcommand lists the globals it honours", async () => {
  await withLab(async (lab) => {
    assert.equal((await lab.nsrecipe(["-V"])).stdout.trim(), "0.1.0");
    assert.match((await lab.nsrecipe(["-h"])).stdout, /^Usage: nsrecipe /);
    // The top-level help lists every command the completion and the manual know, completions among them.
    for (const args of [["-h"], ["--help"], ["help"], ["help", "--help"], ["help", "-h"]]) {
      const top = await lab.nsrecipe(args);
      assert.equal(top.code, 0, args.join(" "));
      assert.match(top.stdout, /^ {2}completions SHELL +print the shell completion script/m, args.join(" "));
      assert.match(top.stdout, /^ {2}man +print the manual page/m, args.join(" "));
    }
    const help = await lab.nsrecipe(["help", "run", "veth-bridge"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: nsrecipe run veth-bridge \[options\] \[-- CMD\.\.\.\]/);
    assert.match(help.stdout, /--bridge-address <cidr>/);
    assert.match(help.stdout, /Global Options:\n(.*\n)*\s+--dry-run/);
    const list = await lab.nsrecipe(["list", "--help"]);
    assert.match(list.stdout, /Global Options:\n\s+--json/);
    assert.doesNotMatch(list.stdout, /--dry-run|--state-dir/, "list honours neither");
    const status = await lab.nsrecipe(["status", "--help"]);
    assert.match(status.stdout, /--state-dir/);
    assert.doesNotMatch(status.stdout, /--dry-run/);
    const fields = (await lab.nsrecipe(["help", "run", "full-migrate"])).stdout;
    assert.match(fields, /--address6 <cidr> +the namespace's IPv6 address/);
  });
});

/**
 * Presses TAB after `line` in a plain bash (no startup files) inside the lab, with the completion script sourced
 * twice and, when `withPackage`, the bash-completion package loaded first; `nsrecipe` runs this checkout.
 * @returns The candidates bash offers (COMPREPLY), sorted, and bash's stderr and exit code.
 */
async function tabInBash(lab: TestLab, script: string, line: string, withPackage: boolean) {
  const r = await lab.sh([
    "env",
    `SCRIPT=${script}`,
    "bash",
    "--norc",
    "--noprofile",
    "-c",
    [
      withPackage ? "source /usr/share/bash-completion/bash_completion" : "",
      `nsrecipe() { ${selfArgv().map(posixQuote).join(" ")} "$@"; }`,
      `eval "$SCRIPT"; eval "$SCRIPT"`,
      `LINE=${posixQuote(line)}; read -ra COMP_WORDS <<< "$LINE"; [[ "$LINE" == *" " ]] && COMP_WORDS+=("")`,
      "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMP_LINE=$LINE; COMP_POINT=${#LINE}",
      "__nsrecipe_complete; printf '%s\\n' \"${COMPREPLY[@]}\"",
    ].join("\n"),
  ]);
  return { offered: r.stdout.split("\n").filter((l) => l).sort(), stderr: r.stderr, code: r.code };
}

for (const withPackage of [false, true]) {
  Deno.test({
    name: `completions bash: ${
      withPackage ? "with" : "without"
    } the bash-completion package, TAB offers recipes, options, files after -f; sourcing twice is harmless`,
    ignore: withPackage && !existsSync("/usr/share/bash-completion/bash_completion"),
    fn: async () => {
      await withLab(async (lab) => {
        const script = (await lab.nsrecipe(["completions", "bash"])).stdout;
        await lab.sh(["sh", "-c", "mkdir -p /tmp/cmp && touch /tmp/cmp/nc_typo.yaml /tmp/cmp/nc_two.yaml /tmp/cmp/x"]);
        const tab = (line: string) => tabInBash(lab, script, line, withPackage);
        const cases: [string, string[]][] = [
          ["nsrecipe run ", ["full-migrate", "netns", "pid-only", "veth-bridge"]],
          ["nsrecipe run ve", ["veth-bridge"]],
          ["nsrecipe run veth-bridge --br", ["--bridge", "--bridge-address"]],
          ["nsrecipe run veth-bridge -f /tmp/cmp/nc_t", ["/tmp/cmp/nc_two.yaml", "/tmp/cmp/nc_typo.yaml"]],
          ["nsrecipe completions z", ["zsh"]],
        ];
        for (const [line, expected] of cases) {
          const r = await tab(line);
          assert.deepEqual(r.offered, expected, `${line}: ${r.stderr}`);
          assert.equal(r.stderr, "", line);
          assert.equal(r.code, 0, line);
        }
      });
    },
  });
}

Deno.test("completions: an unknown shell is refused in nsrecipe's words, exit 2", async () => {
  await withLab(async (lab) => {
    const r = await lab.nsrecipe(["completions", "tcsh"]);
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      "nsrecipe: No completion script for the shell 'tcsh': nsrecipe writes one for bash, zsh, fish, powershell\n" +
        "  e.g. 'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe'.",
    );
    const help = await lab.nsrecipe(["completions", "--help"]);
    assert.match(help.stdout, /^ {2}SHELL +the shell: bash, zsh, fish, powershell$/m);
  });
});
