/**
 * Times of day as admins read them in messages.
 *
 * @module
 */

/**
 * A time of day as admins read it on this host: local `HH:MM:SS`.
 * @param ms Milliseconds since the epoch.
 * @returns e.g. `14:03:27`.
 */
export function clockTime(ms: number): string {
  return new Date(ms).toTimeString().slice(0, 8);
}
