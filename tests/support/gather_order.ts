/**
 * Run inside a lab (`deno run -A tests/support/gather_order.ts`): gathers a
 * wiring plan's host facts (`gatherFacts`, as `run veth-bridge` does) through
 * the real process seam and prints, as one JSON array, when each process was
 * asked for and when it ended (`start ARGV`, `end ARGV`, in that order), so a
 * test can tell which reads run beside which. Inside the lab, so that the
 * names in `/run/netns` are the lab's.
 *
 * @module
 */
import { gatherFacts } from "../../src/host/mod.ts";
import { realRunner, type Runner } from "../../src/exec/mod.ts";

const real = realRunner();
const events: string[] = [];
const recording: Runner = async (argv, opts) => {
  events.push(`start ${argv.join(" ")}`);
  try {
    return await real(argv, opts);
  } finally {
    events.push(`end ${argv.join(" ")}`);
  }
};
await gatherFacts(recording, { linkSettings: false, forwarding: false });
console.log(JSON.stringify(events));
