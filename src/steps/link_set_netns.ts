import { linkName, netnsName } from "./fields.ts";
import { type Infer, type StepKind, stepSchema } from "./types.ts";
import { objectId } from "./objects.ts";

/**
 * `link-set-netns`'s schema (as planned and journalled).
 * @ignore Its type, without zod's: {@link LinkSetNetnsStep}.
 */
export const linkSetNetnsSchema = stepSchema("link-set-netns", () => ({
  /** The link's name in the host's network namespace, e.g. `veth-web-ns`. */
  dev: linkName(),
  /** Name of the named netns to move it into. */
  netns: netnsName(),
  /** Its name inside the netns, e.g. `eth0`. */
  newName: linkName(),
}));

/**
 * Move a link into a named netns and rename it there in one netlink request:
 * `ip link set dev DEV netns NS name NEWNAME` (ip-link(8)).
 */
export type LinkSetNetnsStep = Infer<typeof linkSetNetnsSchema>;

/**
 * `link-set-netns`: `ip link set dev DEV netns NS name NEWNAME` moves a link
 * into a named netns and renames it there in one request (ip-link(8)), so no
 * `eth0` clash with the host is possible. The inverse moves it back to the
 * host's namespace under its old name
 * (`ip -n NS link set dev NEWNAME netns /proc/PID/ns/net name DEV`).
 */
export const linkSetNetns: StepKind<LinkSetNetnsStep> = {
  schema: linkSetNetnsSchema,
  summary: (s) => `move '${s.dev}' into '${s.netns}' as '${s.newName}'`,
  object: (s) => objectId("netns", s.netns),
  within: (s) => [objectId("netns", s.netns)],
  commands: (s) => [["ip", "link", "set", "dev", s.dev, "netns", s.netns, "name", s.newName]],
  async verify(s, ctx) {
    if (!(await ctx.ip.link(s.newName, s.netns))) {
      return `'${s.newName}' did not appear in '${s.netns}'`;
    }
    return (await ctx.ip.link(s.dev)) ? `'${s.dev}' is still in the host's namespace` : undefined;
  },
  async isReverted(s, ctx) {
    return !(await ctx.ip.link(s.newName, s.netns));
  },
  async revert(s, ctx) {
    await ctx.run(moveBack(s, ctx.hostNetnsPath));
  },
  preview: (s, ctx) => Promise.resolve([`$ ${moveBack(s, ctx.hostNetnsPath).join(" ")}`]),
};

/** The inverse's argv: the link moved back to the host's namespace, under its old name (ip-link(8) `netns`, `name`). */
function moveBack(s: LinkSetNetnsStep, hostNetnsPath: string): string[] {
  return ["ip", "-n", s.netns, "link", "set", "dev", s.newName, "netns", hostNetnsPath, "name", s.dev];
}
