/**
 * A lab keeps its state inside itself. The lab mounts its own tmpfs on
 * `/run` (so `/run/nsrecipe`, the default state directory, and `/run/netns`
 * are the lab's and vanish with it), but every other path is the real
 * host's filesystem: a journal written to `/var/lib/nsrecipe` from inside a
 * lab would outlive the lab and describe links (`eth0`, ifindex 2) that a
 * later `undo` on the real host would take for its own. So inside a lab a
 * state directory must lie on a filesystem the lab mounted. Pure.
 *
 * @module
 */
import { LAB_MOUNT_SOURCE } from "./defaults.ts";

/** Undoes mountinfo's octal escapes of space, tab, newline and backslash (proc(5)). */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));

/**
 * The mount points of the lab's own filesystems, from `/proc/self/mountinfo`
 * (proc(5): the fifth field is the mount point; after the ` - ` separator
 * come the filesystem type and the source).
 * @param mountinfo The text of `/proc/self/mountinfo`.
 * @returns e.g. `["/run", "/sys", "/run/netns"]`; `[]` outside a lab.
 */
export function labMountPoints(mountinfo: string): string[] {
  const sources = new Set<string>(Object.values(LAB_MOUNT_SOURCE));
  return mountinfo.split("\n").flatMap((line) => {
    const [before, after] = line.split(" - ");
    const point = before?.split(" ")[4];
    const source = after?.split(" ")[1];
    return point && source && sources.has(unescape(source)) ? [unescape(point)] : [];
  });
}

/**
 * Why a state directory may not be used here: this process runs in a lab
 * (the lab's `/run` is mounted) and the directory is not on one of the
 * lab's own filesystems.
 * @param mountinfo The text of `/proc/self/mountinfo`.
 * @param dir The state directory, absolute, e.g. `/var/lib/nsrecipe/hx`.
 * @returns The reason, or `undefined` when not in a lab or inside the lab's own mounts.
 */
export function stateDirOutsideLab(mountinfo: string, dir: string): string | undefined {
  const own = labMountPoints(mountinfo);
  if (!own.includes("/run")) return undefined;
  if (own.some((m) => dir === m || dir.startsWith(m === "/" ? "/" : `${m}/`))) return undefined;
  return `this is a lab, and '${dir}' is on the real host's filesystem, not the lab's own (${
    own.join(", ")
  }): the lab's journal would outlive the lab, and a later undo outside it would act on another host's links`;
}
