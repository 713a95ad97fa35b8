/**
 * Telling the operating system's refusals apart from bugs.
 * @module
 */

/**
 * Whether an error comes from the operating system (a failed system call:
 * `EROFS`, `EACCES`, `ENOSPC`, …), as opposed to a bug or a missing Deno
 * permission. Deno throws either one of its `Deno.errors` classes or a plain
 * `Error` carrying the errno name in `code`.
 * @param e Anything caught.
 * @returns `true` for an operating system's error.
 * @example
 * ```ts
 * import { isOsError } from "./os_error.ts";
 * console.assert(isOsError(new Deno.errors.NotFound("gone")) && !isOsError(new TypeError("bug")));
 * ```
 */
export function isOsError(e: unknown): e is Error {
  if (e instanceof Deno.errors.NotCapable) return false;
  return e instanceof Error && (typeof (e as { code?: unknown }).code === "string" || e.name in Deno.errors);
}
