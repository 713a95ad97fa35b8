/**
 * `deno task bench`: how fast nsrecipe is against yardsticks measured in the
 * same call, in labs (nothing touches the real host). Prints one table; every
 * figure is a ratio against its yardstick, so a slow or busy machine moves
 * both sides alike. It never fails on timing: it fails only when a command it
 * times fails.
 *
 * Usage: `deno task bench [--runs N] [--links N] [--only ROWS] [--json]`, ROWS a
 * comma-separated choice of `startup` (with the CPU of the commands the tests
 * run most), `veth-bridge`, `namespaces` (with `undo --all` and
 * `status`), `outage`, `crowded`, `routes`, `history`; default all.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { selfArgv } from "../src/lab/mod.ts";
import { TestLab } from "../tests/support/lab.ts";
import { childCpuMs, lostProbes, median, type Row, table } from "./stats.ts";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "5" },
    links: { type: "string", default: "3000" },
    json: { type: "boolean", default: false },
    only: { type: "string", default: "startup,veth-bridge,namespaces,outage,crowded,routes,history" },
  },
});
const ONLY = new Set(flags.only.split(","));
const RUNS = Number(flags.runs);
const LINKS = Number(flags.links);
/** How many closed runs the history row seeds the journal with. */
const HISTORY = 1000;
const HERE = new URL(".", import.meta.url).pathname;
const SELF = selfArgv();
/** bench/floor.ts run as nsrecipe is (same Deno flags and config), for the floor rows. */
const FLOOR = [...SELF.slice(0, -1), `${HERE}floor.ts`];

/**
 * Runs a command inside a lab and returns its wall time in ms (nsenter's
 * entry included, alike on both sides of a ratio).
 * @throws {Error} When the command fails: a figure of a failed command means nothing.
 */
async function timed(lab: TestLab, argv: string[], stdin?: string): Promise<number> {
  const started = performance.now();
  const r = await lab.sh(argv, stdin);
  const ms = performance.now() - started;
  if (r.code !== 0) throw new Error(`'${argv.join(" ")}' exited ${r.code}: ${r.stderr}`);
  return ms;
}

const nsrecipe = (lab: TestLab, ...args: string[]) => timed(lab, [...SELF, ...args]);

/**
 * A teardown's time, once its veth is gone too. `ip netns del` returns before the kernel has destroyed the
 * namespace's devices (network namespaces are cleaned up by a kernel worker, later), and with eth0 goes its peer on
 * the host: the next `ip link add dev veth-web` could meet it still there (`File exists`). The wait is not timed.
 * @throws {Error} When veth-web is still there after 5 s.
 */
async function down(lab: TestLab, teardown: Promise<number>): Promise<number> {
  const ms = await teardown;
  for (let i = 0; i < 500; i++) {
    if ((await lab.sh(["ip", "link", "show", "dev", "veth-web"])).code !== 0) return ms;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("veth-web still exists 5 s after the teardown");
}
const progress = (line: string) => console.error(`bench: ${line}`);

/**
 * Runs a command inside a lab under bash and returns the CPU time it took, in
 * ms: its own and that of every process it started (bash's `times`).
 * @throws {Error} When the command exits with a code not in `ok`.
 */
async function cpuOf(lab: TestLab, argv: string[], ok: readonly number[] = [0]): Promise<number> {
  const script = '"$@" >/dev/null 2>&1 </dev/null; code=$?; times; exit $code';
  const r = await lab.sh(["bash", "-c", script, "bash", ...argv]);
  if (!ok.includes(r.code)) throw new Error(`'${argv.join(" ")}' exited ${r.code}: ${r.stderr}`);
  return childCpuMs(r.stdout);
}

/** A and B alternately, `n` pairs; medians of each side and of the pairwise ratios. */
async function pairs(n: number, a: () => Promise<number>, b: () => Promise<number>) {
  const as: number[] = [], bs: number[] = [], ratios: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = await a(), y = await b();
    as.push(x), bs.push(y), ratios.push(x / y);
  }
  return { a: median(as), b: median(bs), ratio: median(ratios) };
}

/** Pings every 10 ms from inside the lab until stopped; `stop()` returns the probes lost. */
async function probe(lab: TestLab, target: string, netns?: string): Promise<{ stop(): Promise<number> }> {
  const inNetns = netns ? ["ip", "netns", "exec", netns] : [];
  const child = lab.spawn([
    "sh",
    "-c",
    'echo $$; exec "$@"',
    "sh",
    ...inNetns,
    "ping",
    "-q",
    "-n",
    "-i",
    "0.01",
    target,
  ]);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let head = "";
  while (!head.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`ping ${target} did not start`);
    head += value;
  }
  const pid = head.split("\n")[0].trim();
  await new Promise((r) => setTimeout(r, 300));
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 300));
      await lab.sh(["kill", "-INT", pid]);
      let text = head;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      await child.status;
      return lostProbes(text);
    },
  };
}

/** Lost probes LAN host → uplink address and host → gateway while `action` runs. */
async function outage(lab: TestLab, action: () => Promise<number>): Promise<[number, number]> {
  const lan = await probe(lab, lab.spec.address.split("/")[0], "lab-lanhost");
  const gw = await probe(lab, lab.spec.gateway);
  await action();
  return [await lan.stop(), await gw.stop()];
}

const rows: Row[] = [];
const lab = await TestLab.start();
try {
  if (ONLY.has("startup")) {
    progress("startup");
    const version = await pairs(
      Math.max(RUNS, 10),
      () => nsrecipe(lab, "--version"),
      () => timed(lab, [Deno.execPath(), "run", "-q", `${HERE}hello.ts`]),
    );
    rows.push({ measure: "`nsrecipe --version` vs a Deno hello-world", ...version, must: 2.0, aim: 1.3 });

    // The CPU of the commands the tests run most, each beside a hello-world's: what startup costs every call.
    const hello = () => cpuOf(lab, [Deno.execPath(), "run", "-q", `${HERE}hello.ts`]);
    const n = Math.max(RUNS, 10);
    const perCommand: [string, () => Promise<number>][] = [
      ["`status` (no runs)", () => cpuOf(lab, [...SELF, "status"])],
      ["`journal` (empty)", () => cpuOf(lab, [...SELF, "journal"])],
      ["`undo` (nothing to undo)", () => cpuOf(lab, [...SELF, "undo"])],
      ["`plan veth-bridge`", () => cpuOf(lab, [...SELF, "plan", "veth-bridge", "--name", "web"])],
      ["`doctor`", () => cpuOf(lab, [...SELF, "doctor"], [0, 3])],
      ["`run netns -- true`", async () => {
        const ms = await cpuOf(lab, [...SELF, "run", "netns", "--name", "cpu", "--", "true"]);
        await nsrecipe(lab, "undo", "cpu");
        return ms;
      }],
      ["`undo` of that run", async () => {
        await nsrecipe(lab, "run", "netns", "--name", "cpu", "--", "true");
        return await cpuOf(lab, [...SELF, "undo", "cpu"]);
      }],
    ];
    for (const [what, measured] of perCommand) {
      progress(`CPU of ${what}`);
      const { a, b, ratio } = await pairs(n, measured, hello);
      rows.push({ measure: `CPU of ${what} vs a hello-world`, cpuA: a, cpuB: b, ratio });
    }
  }

  if (ONLY.has("veth-bridge")) {
    progress("veth-bridge run + undo vs the same ip commands in bash");
    const script = `${HERE}veth_bridge.sh`;
    const vb = await pairs(
      RUNS,
      async () => await nsrecipe(lab, "run", "veth-bridge", "--name", "web") + await nsrecipe(lab, "undo", "web"),
      async () =>
        await timed(lab, ["bash", script, "up", "web", "p-web"]) +
        await down(lab, timed(lab, ["bash", script, "down", "web", ""])),
    );
    rows.push({
      measure: "veth-bridge run + undo vs the bash script of the same `ip` commands",
      ...vb,
      must: 1.5,
      aim: 1,
    });

    // The floor under that row on this stack: the same script's commands in three `ip -batch`, each side after a
    // Deno start loading only what `run` or `undo` cannot do without (bench/veth_bridge_floor.sh), and the same
    // with a Deno hello-world start (no library at all).
    progress("floor of run + undo: Deno starts with their libraries and three ip -batch");
    const floorScript = `${HERE}veth_bridge_floor.sh`;
    const hello = [Deno.execPath(), "run", "-q", `${HERE}hello.ts`];
    for (const [start, what] of [[FLOOR, "with its parser"], [hello, "with no library"]] as const) {
      const floor = await pairs(
        RUNS,
        async () =>
          await timed(lab, ["bash", floorScript, "up", "web", "p-web", ...start]) +
          await down(lab, timed(lab, ["bash", floorScript, "down", "web", "", ...start])),
        async () =>
          await timed(lab, ["bash", script, "up", "web", "p-web"]) +
          await down(lab, timed(lab, ["bash", script, "down", "web", ""])),
      );
      rows.push({
        measure: `floor of veth-bridge run + undo on Deno ${what}, vs the same bash script`,
        floor: floor.a,
        b: floor.b,
        ratio: floor.ratio,
      });
    }
  }

  if (ONLY.has("namespaces")) {
    progress("50 namespaces on one bridge");
    // Runs 1–45 first; then runs 46–50 alternate with runs 1–5 made on a second, bare lab, so that both sides of
    // the ratio are timed in the same minutes (the load of a shared machine drifts over the minutes 45 runs take).
    for (let i = 1; i <= 45; i++) await nsrecipe(lab, "run", "veth-bridge", "--name", `n${i}`);
    const bare = await TestLab.start();
    try {
      const first: number[] = [], last: number[] = [], ratios: number[] = [];
      for (let i = 1; i <= 5; i++) {
        first.push(await nsrecipe(bare, "run", "veth-bridge", "--name", `n${i}`));
        last.push(await nsrecipe(lab, "run", "veth-bridge", "--name", `n${45 + i}`));
        ratios.push(last[i - 1] / first[i - 1]);
      }
      rows.push({
        measure: "50 namespaces on one bridge: runs 46–50 vs runs 1–5",
        a: median(last),
        b: median(first),
        ratio: median(ratios),
        must: 1.2,
        aim: 1,
      });

      progress("status with 50 applied runs");
      const status = await pairs(RUNS, () => nsrecipe(lab, "status"), () => nsrecipe(lab, "--version"));
      rows.push({ measure: "`status` with 50 applied runs vs `--version`", ...status, must: 1.5, aim: 1.2 });
      // The floor under that row: a Deno start loading only the parser of its fast path (node:util).
      const statusFloor = await pairs(
        RUNS,
        () => timed(lab, [...FLOOR, "status"]),
        () => nsrecipe(lab, "--version"),
      );
      rows.push({
        measure: "floor of `status` on Deno with its parser, vs `--version`",
        floor: statusFloor.a,
        b: statusFloor.b,
        ratio: statusFloor.ratio,
      });

      progress("undo --all of 50 runs");
      // Its yardstick: `undo` of one run beside 1–4 others on the bare lab's bridge (the newest, which leaves the
      // bridge), timed just before and after, so that a flat undo --all costs at most that per run.
      const one = [await nsrecipe(bare, "undo", "n5"), await nsrecipe(bare, "undo", "n4")];
      const undoAll = await nsrecipe(lab, "undo", "--all");
      one.push(await nsrecipe(bare, "undo", "n3"));
      progress(`undo --all of 50 runs: ${Math.round(undoAll)} ms`);
      rows.push({
        measure: "`undo --all` of 50 runs, per run, vs `undo` of one run",
        each: undoAll / 50,
        b: median(one),
      });
    } finally {
      await bare.stop();
    }
  }

  if (ONLY.has("outage")) {
    progress("full-migrate's outage");
    const migrate = ["run", "full-migrate", "--name", "m", "--address", "198.51.100.50/24", "--no-confirm"];
    const [runLan, runGw] = await outage(lab, () => nsrecipe(lab, ...migrate));
    const [undoLan, undoGw] = await outage(lab, () => nsrecipe(lab, "undo", "m"));
    rows.push({
      measure: "full-migrate run: probes lost LAN → host, host → gateway (10 ms apart)",
      lost: [runLan, runGw],
    });
    rows.push({
      measure: "full-migrate undo: probes lost LAN → host, host → gateway (10 ms apart)",
      lost: [undoLan, undoGw],
    });
  }

  if (ONLY.has("crowded")) {
    progress(`a host with ${LINKS} links (one ip -batch)`);
    const big = await TestLab.start();
    try {
      const batch = Array.from({ length: LINKS / 2 }, (_, i) => `link add dev b${i} type veth peer name c${i}\n`).join(
        "",
      );
      await timed(big, ["ip", "-batch", "-"], batch);
      const scale = await pairs(
        Math.min(RUNS, 3),
        async () => {
          const ms = await nsrecipe(big, "run", "veth-bridge", "--name", "web");
          await nsrecipe(big, "undo", "web");
          return ms;
        },
        async () => {
          const ms = await nsrecipe(lab, "run", "veth-bridge", "--name", "web");
          await nsrecipe(lab, "undo", "web");
          return ms;
        },
      );
      rows.push({
        measure: `host with ${LINKS} links: \`run veth-bridge\` vs the same run in a bare lab`,
        ...scale,
        must: 2,
        aim: 1.2,
      });
    } finally {
      await big.stop();
    }
  }

  if (ONLY.has("routes")) {
    progress("full-migrate with 1,000 static routes on the uplink vs 1");
    // Issue 12: moving the uplink's routes must not grow quadratically; 1,000 routes well under a second beyond 1.
    const many = await TestLab.start();
    const one = await TestLab.start();
    try {
      const gateway = lab.spec.gateway;
      const routes = (n: number) =>
        Array.from({ length: n }, (_, i) => `route add 10.${100 + (i >> 8)}.${i & 255}.0/24 via ${gateway} dev eth0\n`)
          .join("");
      await timed(many, ["ip", "-batch", "-"], routes(1000));
      await timed(one, ["ip", "-batch", "-"], routes(1));
      const migrate = ["run", "full-migrate", "--name", "m", "--address", "198.51.100.50/24", "--no-confirm"];
      const moved = await pairs(
        Math.min(RUNS, 3),
        async () => {
          const ms = await nsrecipe(many, ...migrate);
          await nsrecipe(many, "undo", "m");
          return ms;
        },
        async () => {
          const ms = await nsrecipe(one, ...migrate);
          await nsrecipe(one, "undo", "m");
          return ms;
        },
      );
      rows.push({
        measure: "`run full-migrate` with 1,000 static routes on the uplink vs with 1",
        ...moved,
        beyondMust: 1000,
      });
    } finally {
      await many.stop();
      await one.stop();
    }
  }
  if (ONLY.has("history")) {
    progress(`a history of ${HISTORY} closed runs in the journal`);
    // Every command reads the journal: without its compaction (src/journal/compaction.ts) a long-lived host's history
    // would slow each of them. One veth-bridge run and undo as nsrecipe records them, copied HISTORY times a day
    // back (one run id each); the next run compacts. Then run + undo there vs in a lab with that one run alone,
    // and status likewise: the targets of the row for runs that pile up (50 namespaces).
    const old = await TestLab.start();
    const fresh = await TestLab.start();
    try {
      for (const l of [old, fresh]) {
        await nsrecipe(l, "run", "veth-bridge", "--name", "web");
        await nsrecipe(l, "undo", "web");
      }
      const sample = (await old.readFile("/run/nsrecipe/journal.jsonl") ?? "").trimEnd().split("\n");
      const id = JSON.parse(sample[0]).run as string;
      const copies = Array.from({ length: HISTORY }, (_, i) => {
        const at = new Date(Date.now() - 24 * 3600_000 + i * 1000).toISOString();
        const copy = `20200101T${String(100000 + (i % 100000)).slice(-6)}-${i.toString(16).padStart(4, "0")}`;
        return sample.map((l) => l.replaceAll(id, copy).replace(/"at":"[^"]+"/, `"at":"${at}"`)).join("\n");
      });
      await timed(
        old,
        ["sh", "-c", "cat > /run/nsrecipe/journal.jsonl && rm -f /run/nsrecipe/journal.checked"],
        [
          ...copies,
          ...sample,
        ].join("\n") + "\n",
      );
      const cycle = (l: TestLab) => async () => {
        const ms = await nsrecipe(l, "run", "netns", "--name", "h");
        return ms + await nsrecipe(l, "undo", "h");
      };
      await cycle(old)(); // the run that compacts (not timed)
      const segments = (await old.sh(["sh", "-c", "ls /run/nsrecipe | grep -c '^journal.archive-'"])).stdout.trim();
      progress(`history: ${segments} archive segment(s) after the first run`);
      const both = await pairs(RUNS, cycle(old), cycle(fresh));
      rows.push({
        measure: `\`run netns\` + \`undo\` after ${HISTORY} closed runs vs after one`,
        ...both,
        must: 1.2,
        aim: 1.0,
      });
      const status = await pairs(RUNS, () => nsrecipe(old, "status"), () => nsrecipe(fresh, "status"));
      rows.push({ measure: `\`status\` after ${HISTORY} closed runs vs after one`, ...status, must: 1.2, aim: 1.0 });
    } finally {
      await old.stop();
      await fresh.stop();
    }
  }
} finally {
  await lab.stop();
}

if (flags.json) console.log(JSON.stringify(rows, null, 2));
else console.log(table(rows));
