/**
 * The namespaces the journal says nsrecipe's applied runs made, for the host
 * facts of `run` and `doctor`.
 *
 * @module
 */
import type { KnownNetns } from "../host/mod.ts";
import { foldRuns, knownNetns, readJournal } from "../journal/mod.ts";
import { NsrecipeError } from "../errors.ts";

/**
 * The namespaces the journal's open runs made, with their addresses (see
 * `knownNetns`), read without the lock like the host facts they complete: a
 * look taken while another nsrecipe recorded something is taken again, whole,
 * under the lock.
 * @param stateDir The state directory.
 * @returns Name → identity and addresses; empty when the journal cannot be read (opening it under the lock
 *   then says why).
 */
export async function journalNetns(stateDir: string): Promise<Map<string, KnownNetns>> {
  try {
    return knownNetns(foldRuns(await readJournal(stateDir)).runs);
  } catch (e) {
    if (e instanceof NsrecipeError) return new Map();
    throw e;
  }
}
