/**
 * The name checks: is the namespace name (`--name`) free in `/run/netns`
 * (ip-netns(8)), and is the bridge name (`--bridge`) free or already a bridge
 * (ip-link(8))?
 *
 * @module
 */
import { DEFAULT_BRIDGE } from "../names.ts";
import { type CheckContext, type DoctorFacts, type Finding, finding } from "./types.ts";
import { defaultRouteDevice, netnsTakenHint } from "../host/mod.ts";

/**
 * Checks the namespace name.
 *
 * Verdicts: taken by a live namespace → fail; a stale `/run/netns` entry (a
 * plain file left by a crash) → fail with the command that removes it; free,
 * but the nftables table a `--nat` run of it makes ({@link CheckContext.natTable})
 * exists → warn (only `--nat` runs are refused); free or not given → ok.
 *
 * @param facts Doctor facts.
 * @param ctx The check context.
 * @returns The `netns-name` finding.
 */
export function checkNetnsName(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "netns-name";
  const name = ctx.netns;
  if (name === undefined) return finding(id, "ok", "No --name given: no namespace name to check");
  if (!facts.host.ok) return finding(id, "warn", `Not checked: ${facts.host.reason}`);
  const found = facts.host.value.netns.find((n) => n.name === name);
  if (!found) {
    const table = ctx.natTable;
    const t = table && (facts.host.value.nftables ?? []).find((e) => {
      const x = e.table as { family?: string; name?: string } | undefined;
      return x?.family === "inet" && x?.name === table;
    });
    if (!t) return finding(id, "ok", `The namespace name '${name}' is free`);
    return finding(
      id,
      "warn",
      `The namespace name '${name}' is free, but the nftables table 'inet ${table}' that ` +
        `'veth-bridge --name ${name} --nat' makes exists already: such a run is refused`,
      `See what it holds: 'nft list table inet ${table}'. If it is left over from an nsrecipe run whose journal is ` +
        `lost, delete it ('nft delete table inet ${table}'); if it is someone's, choose another --name for --nat.`,
    );
  }
  if (found.state === "stale") {
    return finding(
      id,
      "fail",
      `'/run/netns/${name}' is a stale namespace file, not a network namespace (left by a crash?)`,
      `Check that nothing uses it, then remove it: 'umount /run/netns/${name} 2>/dev/null; rm /run/netns/${name}'`,
    );
  }
  return finding(id, "fail", `A network namespace named '${name}' already exists`, netnsTakenHint(found));
}

/**
 * Checks the bridge name.
 *
 * The name is `--bridge`, else the recipes' default (`br0`). Verdicts: free
 * → ok (it will be created); an existing bridge → ok (it will be used, not
 * owned: undo leaves it); an existing link of another kind, or the uplink
 * itself → fail.
 *
 * @param facts Doctor facts.
 * @param ctx The check context.
 * @returns The `bridge-name` finding.
 */
export function checkBridgeName(facts: DoctorFacts, ctx: CheckContext): Finding {
  const id = "bridge-name";
  // Without --bridge, the bridge a recipe would use: br0 (as the forward and uplink-refs checks take it).
  const name = ctx.bridge ?? DEFAULT_BRIDGE;
  if (!facts.host.ok) return finding(id, "warn", `Not checked: ${facts.host.reason}`);
  const host = facts.host.value;
  const uplink = facts.uplinkRequested ?? defaultRouteDevice(host);
  const link = host.links.find((l) => l.ifname === name);
  if (!link) return finding(id, "ok", `No link named '${name}': the bridge will be created`);
  const kind = link.linkinfo?.info_kind ?? link.link_type ?? "device";
  if (name === uplink && kind !== "bridge") {
    return finding(id, "fail", `'${name}' is the uplink, not a bridge`, "Choose another --bridge, e.g. br0.");
  }
  if (kind !== "bridge") {
    return finding(
      id,
      "fail",
      `A link named '${name}' exists and is a ${kind}, not a bridge`,
      `Choose another --bridge, or remove that link if nothing needs it: 'ip link del dev ${name}'`,
    );
  }
  return finding(
    id,
    "ok",
    `'${name}' exists and is a bridge: it will be used, not owned (undo leaves it)`,
  );
}
