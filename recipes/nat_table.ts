/**
 * The name of the nftables table a `veth-bridge --nat` run makes: derived
 * from the namespace name alone, so that `doctor --name` (which must not
 * load the recipes, their zod schemas and subnet code) and `full-migrate`
 * name the same table the run made.
 *
 * @module
 */
import { shortHash } from "./hash.ts";

/**
 * Name of the nftables table of a run with `--nat`: nft identifiers take
 * letters, digits and `_` (nft(8), "Identifiers").
 * @param netns Namespace name, e.g. `web`.
 * @returns e.g. `nsrecipe_web_3f2a` (the namespace name with other characters as `_`, and its short hash).
 */
export function natTable(netns: string): string {
  return `nsrecipe_${netns.replace(/[^A-Za-z0-9_]/g, "_")}_${shortHash(netns)}`;
}
