/**
 * Values built on first use. A zod schema costs CPU to build (each of its
 * parts is an object zod sets up when made), and every nsrecipe invocation is
 * a fresh process: a schema built when its module loads is paid for by every
 * command that loads the module, also by the many that never check a value
 * against it (`status` checks only the step kinds its journal holds, `undo`
 * with nothing to undo none). Built behind {@link lazy}, a schema costs only
 * the commands that use it, and each at most once.
 *
 * @module
 */

/**
 * A function that builds a value on its first call and returns that same
 * value on every call after.
 *
 * @typeParam T The value, e.g. a zod schema.
 * @param build Makes the value; called at most once, and not before the first call.
 * @returns The memoized getter.
 * @example
 * ```ts ignore
 * const linkName = lazy(() => z.string().max(15));
 * linkName().safeParse("br0"); // builds the schema now, and only once
 * ```
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}
