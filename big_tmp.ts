import { TestLab } from "./tests/support/lab.ts";
import { selfArgv } from "./src/lab/mod.ts";
const lab = await TestLab.start();
try {
  const batch = Array.from({ length: 1500 }, (_, i) => `link add dev b${i} type veth peer name c${i}\n`).join("");
  await lab.sh(["ip", "-batch", "-"], batch);
  const t = performance.now();
  const r = await lab.sh([...selfArgv(), "--verbose", "run", "veth-bridge", "--name", "web"]);
  console.log(`run: ${Math.round(performance.now() - t)} ms, exit ${r.code}`);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("$ "));
  const ms = lines.map((l) => [Number(/, (\d+) ms\)/.exec(l)?.[1] ?? 0), l] as [number, string]).sort((a, b) => b[0] - a[0]);
  console.log(`${lines.length} commands; slowest:`); for (const [m, l] of ms.slice(0, 12)) console.log(m, l.slice(0, 140));
  const t2 = performance.now();
  const u = await lab.sh([...selfArgv(), "--verbose", "undo", "web"]);
  console.log(`undo: ${Math.round(performance.now() - t2)} ms, exit ${u.code}, ${u.stderr.split("\n").filter((l) => l.startsWith("$ ")).length} commands`);
  const t3 = performance.now();
  const s = await lab.sh([...selfArgv(), "--verbose", "status"]);
  console.log(`status: ${Math.round(performance.now() - t3)} ms, ${s.stderr.split("\n").filter((l) => l.startsWith("$ ")).length} commands`);
} finally { await lab.stop(); }
