/**
 * How nsrecipe starts itself again (the lab re-enters through `unshare`):
 * the compiled binary is its own executable; from source it is
 * `deno run -q -P --no-prompt --config deno.json main.ts`, the very permission
 * set the binary is compiled with.
 *
 * @module
 */

/**
 * The argv that starts this same nsrecipe.
 * @returns e.g. `["/usr/local/bin/nsrecipe"]` or `["/usr/bin/deno", "run", …, "/src/nsrecipe/main.ts"]`.
 */
export function selfArgv(): string[] {
  if (Deno.build.standalone) return [Deno.execPath()];
  const root = new URL("../../", import.meta.url);
  return [
    Deno.execPath(),
    "run",
    "-q",
    "-P",
    "--no-prompt",
    "--config",
    new URL("deno.json", root).pathname,
    new URL("main.ts", root).pathname,
  ];
}
