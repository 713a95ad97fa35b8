/**
 * Reading the `-f FILE.yaml` of a recipe. The binary may read only its state
 * directory itself (deno.json's permission set), so the file is read through
 * the process seam, and bounded: only a regular file (`test -f`, which
 * follows symbolic links, see test(1)) is read, never more than
 * {@link PARAM_FILE_MAX_BYTES} + 1 bytes of it (`head -c`, see head(1)), and
 * under a timeout. `-f /dev/zero` (endless), `-f` on a FIFO (blocks until a
 * writer comes) and a directory are refused before anything is read.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { quote } from "../quote.ts";

/** Largest `-f` file accepted, in bytes (64 KiB: a recipe's options take well under 1 KiB). */
export const PARAM_FILE_MAX_BYTES = 64 * 1024;

/**
 * How long reading the file may take, in ms: a regular file is read at once;
 * this only bounds a file swapped for a FIFO between the check and the read.
 */
export const PARAM_FILE_TIMEOUT_MS = 10_000;

const HINT = "Check the path given to -f: a regular YAML file of at most 64 KiB.";

/**
 * Reads the text of a `-f` file.
 *
 * @param run The process seam (runs `test` and `head`).
 * @param path The path given to `-f`.
 * @returns The file's text (UTF-8).
 * @throws {UsageError} When the file does not exist, is not a regular file
 *   (a FIFO, device, socket or directory), is larger than
 *   {@link PARAM_FILE_MAX_BYTES}, or cannot be read in time; the message
 *   quotes the path with `quote()`.
 */
export async function readParamFile(run: Runner, path: string): Promise<string> {
  const exists = await run(["test", "-e", path], { okCodes: [0, 1] });
  if (exists.code !== 0) throw new UsageError(`Cannot read ${quote(path)}: no such file`, HINT);
  const regular = await run(["test", "-f", path], { okCodes: [0, 1] });
  if (regular.code !== 0) {
    throw new UsageError(
      `Cannot read ${quote(path)}: not a regular file (a FIFO, device, socket or directory)`,
      HINT,
    );
  }
  const r = await run(["head", "-c", String(PARAM_FILE_MAX_BYTES + 1), "--", path], {
    okCodes: Array.from({ length: 256 }, (_, i) => i),
    timeoutMs: PARAM_FILE_TIMEOUT_MS,
  });
  if (r.code !== 0) {
    throw new UsageError(
      `Cannot read ${quote(path)}: ${r.code === 137 ? `no data within ${PARAM_FILE_TIMEOUT_MS / 1000} s` : r.stderr}`,
      HINT,
    );
  }
  if (new TextEncoder().encode(r.stdout).length > PARAM_FILE_MAX_BYTES) {
    throw new UsageError(
      `Cannot read ${quote(path)}: larger than the limit of ${PARAM_FILE_MAX_BYTES} bytes (64 KiB)`,
      HINT,
    );
  }
  return r.stdout;
}
