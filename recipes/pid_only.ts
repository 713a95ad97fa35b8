import { z } from "../src/zod.ts";
import type { Plan, Recipe } from "./types.ts";
import { PID_NS_PREFIX } from "./enter.ts";

const params = z.object({});

/**
 * `pid-only`: a shell (or `-- CMD`) as PID 1 of a new PID namespace with its
 * own `/proc`. Changes nothing persistent on the host, so it has no steps.
 */
export const pidOnly: Recipe<typeof params> = {
  name: "pid-only",
  summary: "a shell in a new PID namespace with its own /proc",
  description: "Runs the shell, or the command after --, as PID 1 of a new PID namespace with a private /proc " +
    "('unshare -fp --mount-proc'). Without --fork a PID namespace's first command forks fine and then every " +
    "later one fails with 'Cannot allocate memory'; nsrecipe always forks. Nothing on the host changes.",
  params,
  stepless: true,
  needs: { checks: ["privileges", "unshare"], movesUplink: false, wires: false },
  targets: () => ({}),
  plan(): Plan {
    return { label: "pid-only", steps: [], uses: [], handover: [], enter: [...PID_NS_PREFIX], notes: [] };
  },
};
