/**
 * Helpers of the real-host tests of veth-bridge (`tests/e2e/veth_bridge_realhost*_test.ts`): commands in the lab that
 * must succeed, a ping, a run that must apply, an admin's bridge with ports made by hand, and the wait for links made
 * by the test to settle.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { TestLab } from "./lab.ts";
import { waitFor } from "./wait.ts";

/**
 * One ping (2 s deadline) from the lab host or from a namespace in it.
 * @param lab The lab.
 * @param target The address pinged.
 * @param netns The namespace to ping from; the lab host when absent.
 * @returns ping's result, whatever its exit code (0: a reply came).
 */
export const ping = (lab: TestLab, target: string, netns?: string) =>
  lab.sh([...(netns ? ["ip", "netns", "exec", netns] : []), "ping", "-c", "1", "-W", "2", target]);

/**
 * Runs a command in the lab that must succeed.
 * @param lab The lab.
 * @param argv The command.
 * @returns Its stdout.
 * @throws {AssertionError} When it exits non-zero (with its stderr).
 */
export async function must(lab: TestLab, argv: string[]): Promise<string> {
  const r = await lab.sh(argv);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/**
 * `nsrecipe run veth-bridge ARGS --no-confirm` in the lab, which must apply (exit 0).
 * @param lab The lab.
 * @param args The recipe's options.
 * @throws {AssertionError} When it exits non-zero (with its stderr).
 */
export async function runVethBridge(lab: TestLab, args: string[]): Promise<void> {
  const r = await lab.nsrecipe(["run", "veth-bridge", ...args, "--no-confirm"]);
  assert.equal(r.code, 0, `run veth-bridge ${args.join(" ")}: ${r.stderr}`);
}

/**
 * Builds an admin bridge `br9` (10.90.0.1/24) with ports made by hand (veth stand-ins for a tunnel or the uplink), as
 * an admin would, and waits until they have settled.
 * @param lab The lab.
 * @param ports Each port's name, MAC and MTU (its veth peer is `NAMEp`).
 */
export async function adminBridge(lab: TestLab, ports: { name: string; mac: string; mtu: number }[]): Promise<void> {
  await must(lab, ["ip", "link", "add", "dev", "br9", "type", "bridge", "stp_state", "0"]);
  for (const p of ports) {
    await must(lab, [
      "ip",
      "link",
      "add",
      "dev",
      p.name,
      "address",
      p.mac,
      "mtu",
      String(p.mtu),
      "type",
      "veth",
      "peer",
      "name",
      `${p.name}p`,
      "mtu",
      String(p.mtu),
    ]);
    await must(lab, ["ip", "link", "set", "dev", p.name, "master", "br9", "up"]);
    await must(lab, ["ip", "link", "set", "dev", `${p.name}p`, "up"]);
  }
  await must(lab, ["ip", "link", "set", "dev", "br9", "up"]);
  await must(lab, ["ip", "addr", "add", "10.90.0.1/24", "dev", "br9"]);
  await settled(lab, ["br9", ...ports.flatMap((p) => [p.name, `${p.name}p`])]);
}

/**
 * Waits until links made by the test are in their steady state: up with their
 * IPv6 link-local address, which the kernel adds once a link has carrier,
 * after linkwatch's delay. Snapshots taken before that would differ from later ones.
 * @param lab The lab.
 * @param links The links' names.
 * @throws {Error} When they have not settled within 60 s.
 */
export async function settled(lab: TestLab, links: string[]): Promise<void> {
  await waitFor(`${links.join(", ")} up with their link-local addresses`, async () => {
    const r = await lab.sh(["ip", "-6", "-json", "addr", "show", "scope", "link"]);
    const have = (JSON.parse(r.stdout) as { ifname: string; addr_info: unknown[] }[])
      .filter((l) => l.addr_info.length > 0).map((l) => l.ifname);
    return links.every((l) => have.includes(l));
  });
}

/**
 * One attribute of a link of the lab host, from sysfs.
 * @param lab The lab.
 * @param dev The link.
 * @param attr The attribute, e.g. `mtu`, `address`.
 * @returns Its value, trimmed.
 */
export const sysfs = async (lab: TestLab, dev: string, attr: string) =>
  (await must(lab, ["cat", `/sys/class/net/${dev}/${attr}`])).trim();
