/**
 * A short stable hash for names and addresses nsrecipe derives (link names,
 * nftables tables, MACs). Pure.
 *
 * @module
 */

/**
 * A short stable hash of a string (FNV-1a, 32 bits) in hex, for derived names.
 * @param s The string.
 * @param digits Hex digits to keep.
 * @returns e.g. `3f2a`.
 */
export function shortHash(s: string, digits = 4): string {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, "0").slice(0, digits);
}
