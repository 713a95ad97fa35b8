/**
 * The nftables ruleset of a network namespace, read with `nft list ruleset`
 * (nft(8)). Read-only.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { CommandError } from "../errors.ts";
import { parseToolJson } from "./ip_json.ts";

/**
 * The ruleset as nft(8) prints it (no handles), or `undefined` when nft is
 * not installed (then there is no nftables configuration nsrecipe can see).
 * @param run The process seam.
 * @param netns A named netns (`ip netns exec`), or `undefined`.
 * @returns The ruleset text, `""` when empty.
 * @throws {CommandError} When nft runs and fails.
 */
export async function readNftRuleset(run: Runner, netns?: string): Promise<string | undefined> {
  try {
    return (await run([...(netns ? ["ip", "netns", "exec", netns] : []), "nft", "list", "ruleset"])).stdout;
  } catch (e) {
    if (
      e instanceof CommandError && (e.code === -1 || (netns !== undefined && e.code === 255 && /nft/.test(e.stderr)))
    ) {
      return undefined;
    }
    throw e;
  }
}

/**
 * The nftables ruleset as JSON (`nft -j list ruleset`), or `undefined`
 * when it cannot be read: nft is not installed, or fails (e.g. without
 * CAP_NET_ADMIN: `Operation not permitted`). Checks that rely on it say so.
 * @param run The process seam.
 * @returns The parsed `{"nftables": [...]}` document's entries.
 */
export async function readNftJson(run: Runner): Promise<Record<string, unknown>[] | undefined> {
  const r = await run(["nft", "-j", "list", "ruleset"], { okCodes: Array.from({ length: 256 }, (_, i) => i) })
    .catch((e) => {
      if (e instanceof CommandError && e.code === -1) return undefined;
      throw e;
    });
  if (!r || r.code !== 0) return undefined;
  const text = r.stdout.trim();
  return text === "" ? [] : (parseToolJson(text) as { nftables: Record<string, unknown>[] }).nftables;
}
