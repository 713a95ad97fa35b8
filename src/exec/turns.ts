/**
 * Tasks taken in turns: at most so many at once, the rest waiting in the
 * order asked. The process seam runs its captured commands so (each holds
 * pipes until it ends, and a process may hold only so many file
 * descriptors), and so does any caller that starts one command per item of a
 * list that may be long. Pure (no process of its own).
 *
 * @module
 */

/**
 * Runs tasks at most `max` at a time, each as soon as a slot is free, in the
 * order given; a task that fails frees its slot as one that succeeds does.
 * @param max The most running at once (1 or more).
 * @returns A function that runs a task when its turn comes and settles as the task does.
 * @example
 * ```ts
 * import { taking } from "./turns.ts";
 * const inTurn = taking(2);
 * const sizes = await Promise.all(["a", "bb", "ccc"].map((w) => inTurn(() => Promise.resolve(w.length))));
 * console.assert(sizes.join() === "1,2,3");
 * ```
 */
export function taking(max: number): <T>(task: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running < max) running++;
    else await new Promise<void>((turn) => waiting.push(turn)); // the slot is handed over, still counted
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
