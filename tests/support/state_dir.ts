/**
 * A throwaway state directory for the journal's in-process tests.
 * @module
 */

/**
 * Runs `fn` with a fresh state directory (mode 0700, as nsrecipe makes it) under a temporary folder, removed after.
 * @param prefix The temporary folder's name prefix, e.g. `nsrecipe-mark-`.
 * @param fn What to do with the directory's path.
 */
export async function withStateDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const t = await Deno.makeTempDir({ prefix });
  try {
    Deno.mkdirSync(`${t}/s`, { mode: 0o700 });
    await fn(`${t}/s`);
  } finally {
    await Deno.remove(t, { recursive: true });
  }
}
