/**
 * The run-begin record the journal tests seed journals with: a netns run,
 * as nsrecipe records one (`run-begin` of `src/journal/records.ts`).
 * @module
 */
import type { RecordBody } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

/**
 * The body of a netns run's run-begin record (without `v` and `at`): boot `b1`, pid 42, nothing used.
 * @param run The run id, e.g. `r1`.
 * @param opts `label`: its name (default: the id); `steps`: its plan (default: `netns-add` of a netns named as the id).
 * @returns The record body.
 */
export function netnsRunBegin(run: string, opts: { label?: string; steps?: Step[] } = {}): RecordBody {
  const label = opts.label ?? run;
  return {
    kind: "run-begin",
    run,
    recipe: "netns",
    label,
    params: { name: label },
    uses: [],
    steps: opts.steps ?? [{ kind: "netns-add", netns: run }],
    bootId: "b1",
    pid: 42,
  };
}
