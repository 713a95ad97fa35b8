/**
 * The kernel checks: support for veth pairs (veth(4), `CONFIG_VETH`) and
 * bridges (Documentation/networking/bridge.rst, `CONFIG_BRIDGE`), judged from
 * evidence alone: nothing is created and no module is loaded. Evidence, in
 * order: a link of that kind exists; `/sys/module/NAME` (loaded, or built in
 * with parameters or a version); `/proc/modules`; the kernel configuration
 * (`/proc/config.gz`, `/boot/config-RELEASE`); `modules.builtin` and
 * `modules.dep` under `/lib/modules/RELEASE` (modules.dep(5)).
 *
 * @module
 */
import { type DoctorFacts, type Finding, finding, textOf } from "./types.ts";

/** The kernel features nsrecipe needs. */
export type KernelFeature = "veth" | "bridge";

const CONFIG: Record<KernelFeature, string> = { veth: "CONFIG_VETH", bridge: "CONFIG_BRIDGE" };

/**
 * The value of one option in a kernel configuration.
 * @param config The configuration text (`.config` format).
 * @param option e.g. `CONFIG_VETH`.
 * @returns `"y"`, `"m"`, `"n"` (`# CONFIG_X is not set`), or `undefined` when absent.
 * @example
 * ```ts
 * configValue("CONFIG_VETH=m\n", "CONFIG_VETH"); // "m"
 * ```
 */
export function configValue(config: string, option: string): "y" | "m" | "n" | undefined {
  const set = new RegExp(`^${option}=(y|m)$`, "m").exec(config);
  if (set) return set[1] as "y" | "m";
  return new RegExp(`^# ${option} is not set$`, "m").test(config) ? "n" : undefined;
}

/**
 * Whether a module list names a module: `modules.builtin` lines like
 * `kernel/drivers/net/veth.ko`, `modules.dep` lines like
 * `kernel/drivers/net/veth.ko.xz: …`.
 * @param list The file's text.
 * @param module e.g. `veth`.
 * @returns `true` when listed.
 */
export function listsModule(list: string, module: string): boolean {
  return new RegExp(`^(?:\\S*/)?${module}\\.ko(?:\\.(?:xz|zst|gz))?(?::|\\s*$)`, "m").test(list);
}

/**
 * Checks kernel support for one feature.
 *
 * Verdicts: in use, loaded or built in → ok; configured out
 * (`# CONFIG_X is not set`) → fail; a module that exists but is not loaded →
 * warn with `modprobe NAME` (the kernel would also load it on first use);
 * `=m` without the module file, or no evidence either way → warn.
 *
 * @param feature `veth` or `bridge` (also the module's name).
 * @param facts Doctor facts.
 * @returns The `kernel-veth` or `kernel-bridge` finding.
 */
export function checkKernel(feature: KernelFeature, facts: DoctorFacts): Finding {
  const id = `kernel-${feature}`;
  const k = facts.kernel;
  const option = CONFIG[feature];
  const release = textOf(k.release)?.trim() ?? "RELEASE";
  const inUse = facts.host.ok && facts.host.value.links.find((l) => l.linkinfo?.info_kind === feature);
  if (inUse) return finding(id, "ok", `${feature}: supported (link '${inUse.ifname}' is one)`);
  const sys = k.sysModule[feature];
  if (sys.ok && sys.value) return finding(id, "ok", `${feature}: loaded or built in (/sys/module/${feature})`);
  const proc = textOf(k.procModules);
  if (proc !== undefined && new RegExp(`^${feature}\\s`, "m").test(proc)) {
    return finding(id, "ok", `${feature}: module loaded (/proc/modules)`);
  }
  const config = textOf(k.config);
  const value = config === undefined ? undefined : configValue(config, option);
  if (value === "y") return finding(id, "ok", `${feature}: built into the kernel (${option}=y)`);
  if (value === "n") {
    return finding(
      id,
      "fail",
      `${feature}: the running kernel ${release} is built without it (${option} is not set)`,
      `Boot a kernel with ${option}=y or =m (Debian's linux-image packages have it).`,
    );
  }
  const builtin = textOf(k.modulesBuiltin);
  if (builtin !== undefined && listsModule(builtin, feature)) {
    return finding(id, "ok", `${feature}: built into the kernel (modules.builtin)`);
  }
  const dep = textOf(k.modulesDep);
  if (dep !== undefined && listsModule(dep, feature)) {
    return finding(
      id,
      "warn",
      `${feature}: module available but not loaded (the kernel loads it on first use)`,
      `modprobe ${feature}`,
    );
  }
  if (value === "m") {
    return finding(
      id,
      "warn",
      `${feature}: ${option}=m, but no ${feature} module in /lib/modules/${release}`,
      `Install the modules of the running kernel ('apt-get install linux-image-${release}'), or reboot into the ` +
        "kernel whose modules are installed.",
    );
  }
  return finding(
    id,
    "warn",
    `${feature}: support not confirmed (no /sys/module/${feature}, kernel configuration and module lists unreadable)`,
    `modprobe ${feature}; or look for ${option} in /boot/config-${release}.`,
  );
}
