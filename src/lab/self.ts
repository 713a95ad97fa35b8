/**
 * How nsrecipe starts itself again (the lab re-enters through `unshare`):
 * the compiled binary is its own executable; from source it is
 * `deno run -q -P --no-prompt --v8-flags=… --config deno.json main.ts`, the
 * very permission set and V8 options the binary is compiled with.
 *
 * @module
 */

/**
 * The V8 options nsrecipe runs with, from source ({@link selfArgv}, the
 * `deno.json` tasks that run `main.ts`) and compiled (`deno task compile`
 * embeds them): a young generation of at least 16 MB
 * (`--min-semi-space-size`, in MB; V8's default starts at 1 MB and grows).
 * A command allocates about that much in its short life (loading its
 * modules, parsing `ip -json` output and the journal): with the default,
 * `run` and `undo` stopped for four or five scavenges each, which cost more
 * CPU than they freed memory worth keeping (measured in a lab: `run netns`
 * 7 %, `run veth-bridge` 8 %, `undo` and `status` 5-8 % less CPU). Starts
 * with and without it share V8's code cache (measured: alternating them
 * costs neither a compile), unlike options that change code generation.
 */
export const V8_FLAGS = "--min-semi-space-size=16";

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
    `--v8-flags=${V8_FLAGS}`,
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
