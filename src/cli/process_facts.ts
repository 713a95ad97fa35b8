/**
 * Facts of this nsrecipe process that cannot change while it runs, read
 * once however many parts ask: the network namespace it acts in (it never
 * enters another itself) and the boot id (it changes only with a reboot).
 * Each is read on first use through the process seam given then (Deno
 * refuses `/proc` short of `--allow-all`, so a `stat` or `cat` reads it).
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { hostNetns, type NetnsRef } from "../host/mod.ts";

let netns: Promise<NetnsRef> | undefined;
let boot: Promise<string> | undefined;

/**
 * The network namespace this process acts in (`hostNetns`: stat(1) of
 * `/proc/self/ns/net`), read once per process.
 * @param run The process seam, for the first read.
 * @returns e.g. `{ dev: 4, ino: 4026531840 }`.
 * @throws {CommandError} When stat fails (again on every call: a failed read is not kept).
 */
export function ownNetns(run: Runner): Promise<NetnsRef> {
  netns ??= hostNetns(run).catch((e) => {
    netns = undefined;
    throw e;
  });
  return netns;
}

/**
 * The current boot id (`/proc/sys/kernel/random/boot_id`, random(4)), read
 * with `cat` once per process.
 * @param run The process seam, for the first read.
 * @returns The id, trimmed.
 * @throws {CommandError} When cat fails (again on every call: a failed read is not kept).
 */
export function ownBootId(run: Runner): Promise<string> {
  boot ??= run(["cat", "/proc/sys/kernel/random/boot_id"]).then((r) => r.stdout.trim()).catch((e) => {
    boot = undefined;
    throw e;
  });
  return boot;
}
