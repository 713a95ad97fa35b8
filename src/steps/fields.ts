/**
 * The zod fields that step schemas are built from. A step is checked against
 * its kind's schema whenever it is read back from the journal, because undo
 * runs the inverse of what the record says: a name that could be read as an
 * option or a path, or a number that is not one, makes the record unreadable.
 *
 * Names follow `src/names.ts` ({@link NAME_PATTERN} and its length limits)
 * without its reserved words: plans name `lo`.
 *
 * @module
 */
import { z } from "../zod_deferred.ts";
import { IFNAME_MAX, NAME_PATTERN, NETNS_NAME_MAX } from "../names.ts";
import { lazy } from "../lazy.ts";

const NOT_A_NAME = "not a name nsrecipe writes";

/** A link name: {@link NAME_PATTERN}, at most {@link IFNAME_MAX} bytes (netdevice(7)). */
export const linkName = lazy(() => z.string().check(z.maxLength(IFNAME_MAX), z.regex(NAME_PATTERN, NOT_A_NAME)));

/** A named netns: {@link NAME_PATTERN}, at most {@link NETNS_NAME_MAX} bytes (a file under `/run/netns`). */
export const netnsName = lazy(() => z.string().check(z.maxLength(NETNS_NAME_MAX), z.regex(NAME_PATTERN, NOT_A_NAME)));

/** A non-empty value written into an argv (an address, a value, a route attribute), at most 256 characters. */
export const text = lazy(() => z.string().check(z.minLength(1), z.maxLength(256)));

/** A whole number, zero or more (an MTU, a metric, a lifetime in seconds). */
export const uint = lazy(() => z.number().check(z.int(), z.minimum(0)));

/** An Ethernet MAC address in `ip link` form: six lower-case hex pairs, e.g. `fe:3a:01:9c:00:42`. */
export const mac = lazy(() =>
  z.string().check(z.regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, "not a MAC like fe:3a:01:9c:00:42"))
);
