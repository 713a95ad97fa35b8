/**
 * The network-manager check: a daemon that owns the uplink may undo or fight
 * full-migrate (re-add the addresses to the uplink, renew a lease there, take
 * the link down). Read from the managers' own runtime state, so that tests can
 * fake it under the lab's private `/run`:
 *
 * - NetworkManager: `/run/NetworkManager/devices/IFINDEX`, its device state
 *   keyfile (`[device]` `managed=true|false`); the directory exists once it
 *   has run in this boot. NetworkManager.conf(5), nmcli(1).
 * - systemd-networkd: `/run/systemd/netif/links/IFINDEX` (`ADMIN_STATE=`,
 *   `NETWORK_FILE=`). systemd.network(5) `Unmanaged=`, networkctl(1).
 * - ifupdown: `/run/network/ifstate.IFACE` (ifupdown ≥ 0.8) or
 *   `/run/network/ifstate` lines `IFACE=…`, and `/etc/network/interfaces`
 *   stanzas naming the uplink. interfaces(5).
 *
 * @module
 */
import { type CheckContext, type DoctorFacts, type Finding, finding, type Source, textOf } from "./types.ts";
import { MANAGER_FILES, uplinkStateFiles } from "./gather.ts";
import { DEFAULT_BRIDGE } from "../names.ts";
import { uplinkOf } from "./uplink.ts";

/** One manager that owns (or may own) the uplink. */
export interface Owner {
  /** `NetworkManager`, `systemd-networkd` or `ifupdown`. */
  manager: string;
  /** Why we think so, e.g. `managed=true in /run/NetworkManager/devices/2`. */
  evidence: string;
  /** What to do, with the exact commands. */
  fix: string;
}

/**
 * Reads one `KEY=value` entry of a keyfile or an env-style state file.
 * @param text The file's text.
 * @param key The key, e.g. `ADMIN_STATE`.
 * @returns The value, trimmed, or `undefined`.
 */
export function keyValue(text: string, key: string): string | undefined {
  return new RegExp(`^\\s*${key}\\s*=\\s*(.*?)\\s*$`, "m").exec(text)?.[1];
}

/**
 * Whether `/etc/network/interfaces` configures a device: an `iface DEV …`
 * stanza, or `auto` / `allow-*` naming it.
 * @param text interfaces(5) text.
 * @param dev The device.
 * @returns `true` when named.
 */
export function interfacesNames(text: string, dev: string): boolean {
  return text.split("\n").some((line) => {
    const words = line.replace(/#.*/, "").trim().split(/\s+/);
    if (words[0] === "iface") return words[1] === dev;
    return (words[0] === "auto" || words[0].startsWith("allow-")) && words.slice(1).includes(dev);
  });
}

/**
 * Lists the managers that own the uplink.
 * @param facts Doctor facts.
 * @param dev The uplink.
 * @param bridge The bridge named in the ifupdown advice.
 * @returns Owners, NetworkManager first; `[]` when none.
 */
export function uplinkOwners(facts: DoctorFacts, dev: string, bridge = DEFAULT_BRIDGE): Owner[] {
  const owners: Owner[] = [];
  const files = facts.uplinkFiles?.dev === dev ? facts.uplinkFiles : undefined;
  const m = facts.managers;
  const nmFix = `nmcli device set ${dev} managed no   # until NetworkManager restarts; a DHCP lease it holds is ` +
    `then no longer renewed\n` +
    `printf '[device-nsrecipe-${dev}]\\nmatch-device=interface-name:${dev}\\nmanaged=0\\n' > ` +
    `/etc/NetworkManager/conf.d/90-nsrecipe-${dev}.conf && systemctl reload NetworkManager   # for good`;
  const nm = files ? textOf(files.nmDevice) : undefined;
  if (nm !== undefined) {
    const managed = keyValue(nm, "managed");
    if (managed !== "false" && managed !== "0") {
      owners.push({
        manager: "NetworkManager",
        evidence: `managed=${managed ?? "?"} in /run/NetworkManager/devices/${files!.ifindex}`,
        fix: nmFix,
      });
    }
  } else if (m.networkManager.ok && m.networkManager.value) {
    owners.push({
      manager: "NetworkManager",
      evidence: "it runs (/run/NetworkManager/devices) and may manage it",
      fix: `nmcli device status   # if '${dev}' is not 'unmanaged':\n${nmFix}`,
    });
  }
  const nd = files ? textOf(files.networkdLink) : undefined;
  const admin = nd === undefined ? undefined : keyValue(nd, "ADMIN_STATE");
  if (nd !== undefined && admin !== "unmanaged" && admin !== "linger") {
    const file = keyValue(nd, "NETWORK_FILE");
    owners.push({
      manager: "systemd-networkd",
      evidence: `ADMIN_STATE=${admin ?? "?"}${file ? ` from ${file}` : ""}`,
      fix: `printf '[Match]\\nName=${dev}\\n\\n[Link]\\nUnmanaged=yes\\n' > ` +
        `/etc/systemd/network/00-nsrecipe-${dev}.network && networkctl reload   # a DHCP lease it holds is then ` +
        "no longer renewed",
    });
  }
  const ifstate = textOf(m.ifstate);
  const ifupdown = [
    files && files.ifstateDev.ok ? `/run/network/ifstate.${dev}` : "",
    ifstate !== undefined && new RegExp(`^${dev}=`, "m").test(ifstate) ? "/run/network/ifstate" : "",
    interfacesNames(textOf(m.interfaces) ?? "", dev) ? "/etc/network/interfaces" : "",
  ].filter((s) => s);
  if (ifupdown.length > 0) {
    owners.push({
      manager: "ifupdown",
      evidence: ifupdown.join(", "),
      fix: `The ifupdown package has no 'unmanaged' switch: while the run is applied, do not run 'ifdown ${dev}', ` +
        `'ifup ${dev}' or 'systemctl restart networking'; to keep a bridge across reboots, move the ` +
        `'iface ${dev}' stanza of /etc/network/interfaces to the bridge ('iface ${bridge} …' with 'bridge_ports ${dev}').`,
    });
  }
  return owners;
}

/**
 * The managers' state files that exist but could not be read (a reason other
 * than `No such file or directory`, e.g. a FIFO whose read timed out), each as
 * `PATH: REASON`.
 */
function unreadStateFiles(facts: DoctorFacts, dev: string): string[] {
  const files = facts.uplinkFiles?.dev === dev ? facts.uplinkFiles : undefined;
  const sources: [string, Source][] = [
    [MANAGER_FILES.ifstate, facts.managers.ifstate],
    [MANAGER_FILES.interfaces, facts.managers.interfaces],
  ];
  if (files) {
    const at = uplinkStateFiles(dev, files.ifindex);
    sources.push([at.nmDevice, files.nmDevice], [at.networkdLink, files.networkdLink], [
      at.ifstateDev,
      files.ifstateDev,
    ]);
  }
  return sources.flatMap(([path, s]) =>
    !s.ok && !/No such file or directory|^not gathered/.test(s.reason) ? [`${path}: ${s.reason}`] : []
  );
}

/**
 * Checks whether a network manager owns the uplink.
 *
 * Verdicts: one or more owners → warn (they may undo or fight the change),
 * with the command that marks the device unmanaged; none → ok.
 *
 * @param facts Doctor facts.
 * @param ctx The check context (its bridge is named in the ifupdown advice).
 * @returns The `network-manager` finding.
 */
export function checkManagers(facts: DoctorFacts, ctx: CheckContext = {}): Finding {
  const id = "network-manager";
  const up = uplinkOf(facts);
  if (up === "unknown") return finding(id, "warn", "Not checked: the links could not be read");
  if (!up || !up.link) return finding(id, "ok", "No uplink to check");
  const owners = uplinkOwners(facts, up.dev, ctx.bridge);
  const unread = unreadStateFiles(facts, up.dev);
  if (owners.length === 0 && unread.length > 0) {
    return finding(
      id,
      "warn",
      `Not fully checked: ${unread.join("; ")}; no network manager was seen owning '${up.dev}' in the rest`,
      "Look at those paths as root (a state file should be a plain file; e.g. 'ls -l /run/network').",
    );
  }
  if (owners.length === 0) return finding(id, "ok", `No network manager owns '${up.dev}'`);
  return finding(
    id,
    "warn",
    `'${up.dev}' is managed by ${owners.map((o) => `${o.manager} (${o.evidence})`).join(" and ")}: ` +
      "it may undo or fight full-migrate",
    owners.map((o) => o.fix).join("\n"),
  );
}
