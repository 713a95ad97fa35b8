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

/** Whether this process is a lab's PID 1 running nsrecipe arguments given to `nsrecipe lab -- ARGS`. */
let oneShot = false;

/**
 * Marks this process as a lab's PID 1 that runs `lab -- ARGS` itself: what
 * those arguments apply vanishes with the lab when they return.
 */
export function markOneShotLab(): void {
  oneShot = true;
}

/**
 * Whether what this process applies vanishes when it returns (see {@link markOneShotLab}),
 * so that advice such as "Undo with: nsrecipe undo NAME" would mislead.
 * @returns `true` inside `nsrecipe lab -- ARGS`.
 */
export function inOneShotLab(): boolean {
  return oneShot;
}

/** Where the lab's shell finds `nsrecipe`: a directory on the lab's private `/run` (a tmpfs of its own). */
export const LAB_BIN_DIR = "/run/nsrecipe/lab-bin";

/**
 * The wrapper script the lab's shell calls as `nsrecipe` (in {@link LAB_BIN_DIR}):
 * `exec` of {@link selfArgv} with the arguments.
 * @param quoted The quoted argv, e.g. `shellQuote(selfArgv())`.
 * @returns The script's text.
 */
export function labWrapperScript(quoted: string): string {
  return `#!/bin/sh\n# nsrecipe inside this lab (written by nsrecipe lab; gone with the lab)\nexec ${quoted} "$@"\n`;
}
