/**
 * Doctor's reads of files and directories answered from this nsrecipe
 * process's own reads (`process_facts.ts`), several paths in one process: its
 * own module, so that the commands that load `process_facts.ts` without
 * doctor's gathering (`status`, `undo`) do not load doctor with it.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { isDirVia, type PathLook, readFileVia } from "../doctor/mod.ts";
import { isPlainPath } from "../host/path_reads.ts";
import { ownFile, ownPathStat, prefetchOwnFacts } from "./process_facts.ts";

/**
 * Doctor's way to read a file and look at a directory ({@link PathLook}),
 * answered from this process's reads (`ownFile`, `ownPathStat` of `process_facts.ts`):
 * what `prefetchOwnFacts` (`process_facts.ts`) or the look's own `ahead` read ahead costs no
 * process. A path that is not plain (`isPlainPath`: e.g. a link name with a
 * space in `/run/network/ifstate.DEV`) is read on its own, with cat(1) or
 * test(1) as doctor reads it without this reader.
 * @param run The process seam, for a path not read yet.
 * @returns The reader; it never throws a {@link CommandError}, it says why a read failed.
 */
export function ownPathLook(run: Runner): PathLook {
  const why = (e: unknown) => {
    if (e instanceof CommandError) return { ok: false as const, reason: e.stderr || e.message };
    throw e;
  };
  return {
    file: (path) => isPlainPath(path) ? ownFile(run, path).catch(why) : readFileVia(run, path),
    isDir: (path) =>
      isPlainPath(path)
        ? ownPathStat(run, path).then((s) => ({ ok: true as const, value: s.ok && s.value.dir }), why)
        : isDirVia(run, path),
    ahead: ({ files = [], dirs = [] }) =>
      prefetchOwnFacts(run, { stat: dirs.filter(isPlainPath), files: files.filter(isPlainPath) }),
  };
}
