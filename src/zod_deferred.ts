/**
 * zod's `z` for schemas that many commands load and few check with: the step
 * kinds' (`src/steps/`), which check steps read back from the journal.
 * Importing this module loads no zod (about as much CPU as the rest of a
 * `status` or `undo` with nothing to do): `z` here becomes zod's `z`,
 * configured, when `src/zod.ts` loads (it hands it over), and is until then
 * a stand-in whose every use throws.
 *
 * That order holds by construction: those schemas are built on their first
 * use (`src/lazy.ts`), and what uses them, the journal's record check
 * (`src/journal/schema.ts`), imports `src/zod.ts` itself.
 *
 * @module
 */
import type { z as Zod } from "zod/mini";

/** Throws on any use: zod is not loaded yet. */
const notLoaded = new Proxy({} as typeof Zod, {
  get(_, key) {
    throw new Error(
      `zod is not loaded (z.${String(key)}): a module that builds a step schema must import src/zod.ts first`,
    );
  },
});

/**
 * zod's `z`, as configured by `src/zod.ts`, once that module has loaded;
 * before, a stand-in that throws on any use. A live binding: read it when a
 * schema is built, never copy it when this module loads.
 */
export let z: typeof Zod = notLoaded;

/**
 * Hands zod's `z` over, once configured; called by `src/zod.ts` alone.
 * @param loaded zod's `z`.
 */
export function provideZod(loaded: typeof Zod): void {
  z = loaded;
}

/**
 * Whether zod has loaded in this process (`src/zod.ts` handed it over):
 * whether a check with zod costs this process only the check, or also
 * zod's loading.
 * @returns `true` once {@link provideZod} was called.
 */
export function zodLoaded(): boolean {
  return z !== notLoaded;
}
