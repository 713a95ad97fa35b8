/**
 * `nsrecipe doctor`: gathers the host's facts (read-only), runs every check
 * and prints one line per finding, with what to do under each one that is not
 * ok; `--json` prints `{ findings, ok }`.
 *
 * @module
 */
import { type Finding, findingsOk, gatherDoctorFacts, runDoctor } from "../doctor/mod.ts";
import { EXIT } from "../errors.ts";
// recipes/nat_table.ts, not recipes/mod.ts: doctor needs the table's name, not the recipes, zod and ip-bigint.
import { natTable } from "../../recipes/nat_table.ts";
import { checkLinkName, checkNetnsName } from "../names.ts";
import { type GlobalOptions, readerFor } from "./composition_root.ts";
import type { Output, Tone } from "./output.ts";
import { journalNetns } from "./journal_netns.ts";
import { ownPathLook } from "./own_path_look.ts";
import { DEFAULT_WIDTH, outputWidth, wrapProse, wrapText } from "./wrap.ts";

/** Options of `doctor`. */
export interface DoctorOptions {
  /** `--uplink DEV`: check this link instead of the device of the default route. */
  uplink?: string;
  /** `--name NAME`: check that this namespace name is free. */
  name?: string;
  /** `--bridge BR`: check this bridge name, and name it in suggested rules. */
  bridge?: string;
}

const TONE: Record<Finding["verdict"], Tone> = { ok: "green", warn: "yellow", fail: "red" };

/**
 * Formats findings for a terminal: `VERDICT  ID  SUMMARY`, then the fix
 * indented under it (`fix: `), wrapped to the width as `--help` is
 * (`wrap.ts`): the summary and the fix's prose lines under their first
 * column, a fix's command lines never.
 * @param findings The findings.
 * @param paint Colours a verdict (identity when colours are off).
 * @param width The width in columns (`outputWidth()`: the terminal's, else 80).
 * @returns Lines of text.
 */
export function formatFindings(
  findings: readonly Finding[],
  paint: (tone: Tone, text: string) => string = (_t, s) => s,
  width: number = DEFAULT_WIDTH,
): string[] {
  const idWidth = Math.max(...findings.map((f) => f.id.length)) + 2;
  const pad = " ".repeat(6 + idWidth);
  return findings.flatMap((f) => [
    ...wrapProse(f.summary, width - pad.length).map((l, i) =>
      i === 0 ? `${paint(TONE[f.verdict], f.verdict.padEnd(6))}${f.id.padEnd(idWidth)}${l}` : `${pad}${l}`
    ),
    ...(f.fix ? wrapText(f.fix, width - pad.length - 5).map((l, i) => `${pad}${i === 0 ? "fix: " : "     "}${l}`) : []),
  ]);
}

/**
 * `nsrecipe doctor [--uplink DEV] [--name NAME] [--bridge BR]`. Changes
 * nothing on the host.
 * @param opts The options.
 * @param g Global options (`--json`, `--verbose`).
 * @param out The output.
 * @returns {@link EXIT.ok} when no check failed, {@link EXIT.precondition} when one did.
 * @throws {UsageError} For a malformed `--uplink`, `--name` or `--bridge`.
 */
export async function doctorCommand(opts: DoctorOptions, g: GlobalOptions, out: Output): Promise<number> {
  if (opts.uplink !== undefined) checkLinkName(opts.uplink, "--uplink");
  if (opts.name !== undefined) checkNetnsName(opts.name, "--name");
  if (opts.bridge !== undefined) checkLinkName(opts.bridge, "--bridge");
  // What the journal says applied runs made: a namespace name taken by one is that run's (netns-name's advice).
  const run = readerFor(out);
  const known = await journalNetns(g.stateDir);
  const facts = await gatherDoctorFacts(run, {
    uplink: opts.uplink,
    knownNetns: known,
    // Its files in one head(1) and its directories in one stat(1), not one cat or test each.
    paths: ownPathLook(run),
  });
  const natTableOf = opts.name === undefined ? undefined : natTable(opts.name);
  // The --nat tables nsrecipe's runs made: a table is named after its namespace (natTable).
  const ownNatTables = new Map(
    [...known].flatMap(([name, k]) => k.run ? [[natTable(name), k.run.label] as [string, string]] : []),
  );
  const findings = runDoctor(facts, { netns: opts.name, bridge: opts.bridge, natTable: natTableOf, ownNatTables });
  const ok = findingsOk(findings);
  out.data({ findings, ok });
  if (!g.json) {
    const width = outputWidth();
    for (const line of formatFindings(findings, (t, s) => out.paint(t, s), width)) out.result(line);
    const count = (v: Finding["verdict"]) => findings.filter((f) => f.verdict === v).length;
    out.result("");
    const tally = `${count("ok")} ok, ${count("warn")} warn, ${count("fail")} fail: ` +
      (ok ? "no check failed." : "the host is not fit for every recipe (fixes above).");
    for (const line of wrapProse(tally, width)) out.result(line);
  }
  return ok ? EXIT.ok : EXIT.precondition;
}
