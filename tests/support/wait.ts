/**
 * Polls a condition until it holds or a bound passes: for effects that happen
 * in another process at a time the test cannot know (the watchdog's revert).
 *
 * @param what What is awaited, for the error message.
 * @param check Returns true when the condition holds.
 * @param timeoutMs Upper bound in milliseconds: generous, for a loaded machine (the CI runs eight test files on two
 *   busy cores); a bound that only a hang reaches, not a speed target.
 * @param intervalMs Poll interval in milliseconds.
 * @throws {Error} When the bound passes first.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
