/**
 * `nsrecipe --json doctor` in a lab, its findings read.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Finding } from "../../src/doctor/mod.ts";
import type { TestLab } from "./lab.ts";

/**
 * Runs `nsrecipe --json doctor ARGS` in the lab and returns its findings.
 * @param lab The lab.
 * @param args More arguments, e.g. `["--uplink", "eth1"]`.
 * @returns The findings, in doctor's order, and its stdout (for an assertion's message).
 * @throws {AssertionError} When doctor's exit code is neither 0 (no check failed) nor 3 (one failed).
 */
export async function doctorFindings(
  lab: TestLab,
  args: readonly string[] = [],
): Promise<{ findings: Finding[]; stdout: string }> {
  const r = await lab.nsrecipe(["--json", "doctor", ...args]);
  assert.ok(r.code === 0 || r.code === 3, `doctor: exit ${r.code}: ${r.stderr}`);
  return { findings: (JSON.parse(r.stdout) as { findings: Finding[] }).findings, stdout: r.stdout };
}
