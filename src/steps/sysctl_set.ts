import type { StepKind, SysctlSetStep } from "./types.ts";
import type { Runner } from "../exec/mod.ts";

/**
 * Reads a sysctl with `sysctl -n KEY` (sysctl(8)); Deno grants no access to
 * `/proc/sys` short of `--allow-all`.
 * @param run The process seam.
 * @param key Dotted key, e.g. `net.ipv4.ip_forward`.
 * @returns The value, trimmed.
 * @throws {CommandError} For an unknown key.
 */
export async function readSysctl(run: Runner, key: string): Promise<string> {
  return (await run(["sysctl", "-n", key])).stdout.trim();
}

/**
 * `sysctl-set`: `sysctl -w KEY=VALUE` (sysctl(8)). The previous value is
 * captured first and written back by the inverse.
 */
export const sysctlSet: StepKind<SysctlSetStep> = {
  summary: (s) => `set sysctl ${s.key} = ${s.value}`,
  object: (s) => `sysctl:${s.key}`,
  commands: (s) => [["sysctl", "-w", `${s.key}=${s.value}`]],
  capture: (s, ctx) => readSysctl(ctx.run, s.key),
  async verify(s, ctx) {
    const now = await readSysctl(ctx.run, s.key);
    return now === s.value ? undefined : `${s.key} is ${now}, not ${s.value}`;
  },
  async isReverted(s, ctx, captured) {
    return (await readSysctl(ctx.run, s.key)) === String(captured);
  },
  async revert(s, ctx, captured) {
    await ctx.run(["sysctl", "-w", `${s.key}=${captured}`]);
  },
};
