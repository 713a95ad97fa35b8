import assert from "node:assert/strict";
import type { ExecResult } from "../../src/exec/mod.ts";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { formatFindings } from "../../src/cli/doctor.ts";
import { showLines } from "../../src/cli/show.ts";
import { wrapProse } from "../../src/cli/wrap.ts";
import { RECIPES } from "../../recipes/mod.ts";

const recipeByName = (name: string) => RECIPES.find((r) => r.name === name)!;
import type { Finding } from "../../src/doctor/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";

/**
 * nsrecipe ARGS in the lab on a pseudo-terminal (script(1)) that `stty` gives `columns` columns, without colour.
 * @returns What the terminal showed, lines ending in `\n` (the terminal's `\r\n` undone).
 */
async function onTerminal(lab: TestLab, args: string[], columns: number): Promise<ExecResult> {
  const command = [...selfArgv(), ...args].map(posixQuote).join(" ");
  const r = await lab.sh([
    "script",
    "-qec",
    `stty cols ${columns} rows 50; exec env NO_COLOR=1 ${command}`,
    "/dev/null",
  ]);
  return { ...r, stdout: r.stdout.replaceAll("\r\n", "\n") };
}

/** Doctor's text for findings at a width, as `doctor` prints it in a lab where every check is ok. */
function doctorText(findings: Finding[], width: number): string {
  const tally = `${findings.length} ok, 0 warn, 0 fail: no check failed.`;
  return [...formatFindings(findings, undefined, width), "", ...wrapProse(tally, width)].join("\n") + "\n";
}

Deno.test("doctor, show and --help wrap to the terminal's width on a TTY (100 and 60 columns) and to 80 columns into a pipe, one rule; commands to copy stay whole on one line", async () => {
  await withLab(async (lab) => {
    const findings = JSON.parse((await lab.nsrecipe(["--json", "doctor"])).stdout).findings as Finding[];
    assert.ok(findings.every((f) => f.verdict === "ok"), JSON.stringify(findings));
    const recipe = recipeByName("full-migrate");
    for (const columns of [100, 60]) {
      const doctor = await onTerminal(lab, ["doctor"], columns);
      assert.equal(doctor.code, 0, doctor.stdout);
      assert.equal(doctor.stdout, doctorText(findings, columns), `doctor on ${columns} columns`);
      const show = await onTerminal(lab, ["show", "full-migrate"], columns);
      assert.equal(show.code, 0, show.stdout);
      assert.equal(show.stdout, showLines(recipe, columns).join("\n") + "\n", `show on ${columns} columns`);
    }
    // Into a pipe: 80 columns, as --help.
    const piped = await lab.nsrecipe(["doctor"]);
    assert.equal(piped.stdout, doctorText(findings, 80));
    assert.equal((await lab.nsrecipe(["show", "full-migrate"])).stdout, showLines(recipe, 80).join("\n") + "\n");
    // A line of the uplink-refs summary, which is longer than any of these widths: wrapped under its column.
    assert.match(
      piped.stdout,
      /^ok {4}uplink-refs {6}No firewall rule matches on 'eth0' by name and no socket\n {23}is/m,
    );

    // --help: the same widths; the quoted commands of `completions` and `man` never broken.
    const completions = "'nsrecipe completions bash > /etc/bash_completion.d/nsrecipe'";
    const help100 = (await onTerminal(lab, ["--help"], 100)).stdout;
    assert.ok(
      help100.includes(
        "  completions SHELL                 print the shell completion script (bash, zsh, fish; also\n" +
          "                                    powershell), e.g.\n" +
          `                                    ${completions}\n`,
      ),
      help100,
    );
    assert.ok(
      help100.includes(
        "  man                               print the manual page (roff); read it with\n" +
          "                                    'nsrecipe man | man -l -'\n",
      ),
      help100,
    );
    const help = (await lab.nsrecipe(["--help"])).stdout;
    assert.ok(
      help.includes(
        "  completions SHELL                 print the shell completion script (bash,\n" +
          "                                    zsh, fish; also powershell), e.g.\n" +
          `                                    ${completions}\n`,
      ),
      help,
    );
    // Widest line before the examples (commands, never wrapped, as every command to copy), the completions one aside.
    const widest = (text: string) =>
      Math.max(
        ...text.slice(0, text.indexOf("\nExamples:\n")).split("\n").filter((l) => !l.includes(completions))
          .map((l) => l.length),
      );
    assert.ok(widest(help) <= 80, `into a pipe: 80 columns at most (${widest(help)})`);
    assert.ok(
      widest(help100) > 80 && widest(help100) <= 100,
      `on 100 columns: beyond 80, up to 100 (${widest(help100)})`,
    );
  });
});
