/**
 * Recipe parameters on the command line: every key of a recipe's zod schema
 * becomes an option (`bridgeAddress` → `--bridge-address <value>`, a boolean
 * → a flag), and the collected strings are parsed once through the schema.
 * `-f FILE.yaml` supplies values too; the command line overrides it.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import YAML from "yaml";
import type { z } from "zod";
import { UsageError } from "../errors.ts";
import { quote } from "../quote.ts";

/**
 * Keys a YAML file may not use, whatever the recipe: they name JavaScript's
 * object machinery, not options (a `__proto__:` key would set the prototype
 * of the object it is copied into).
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** A schema field's CLI shape. */
interface FieldInfo {
  flag: string;
  boolean: boolean;
  description: string;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function baseType(field: z.ZodType): string {
  let t = field as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } };
  while (t.def.innerType || (t.def.type === "pipe" && t.def.in)) {
    t = (t.def.innerType ?? t.def.in) as unknown as typeof t;
  }
  return t.def.type;
}

/**
 * Lists a schema's fields as CLI options.
 * @param schema A recipe's parameter schema.
 * @returns One entry per key, in schema order.
 */
export function fieldsOf(schema: z.ZodObject): FieldInfo[] {
  return Object.entries(schema.shape).map(([key, field]) => ({
    flag: `--${kebab(key)}`,
    boolean: baseType(field as z.ZodType) === "boolean",
    description: (field as z.ZodType).description ?? key,
  }));
}

/**
 * Adds a recipe's options (and `-f FILE.yaml`) to a command.
 * @param cmd The commander command (`run NAME` or `plan NAME`).
 * @param schema The recipe's schema.
 * @returns The same command.
 */
export function addRecipeOptions<C extends Command<any, any, any>>(cmd: C, schema: z.ZodObject): C {
  for (const f of fieldsOf(schema)) {
    cmd.option(f.boolean ? f.flag : `${f.flag} <value>`, f.description);
  }
  cmd.option("-f, --file <file.yaml>", "read recipe options from a YAML file (command-line options override it)");
  return cmd;
}

/**
 * Parses a recipe's parameters from the option values commander collected.
 *
 * @param schema The recipe's schema.
 * @param opts Commander's option values (camelCase keys); `file` names the YAML file.
 * @param readFile Returns the YAML file's text (the caller reads it).
 * @returns The parsed, typed parameters.
 * @throws {UsageError} For a value the schema rejects (each issue on its own
 *   line, naming the option), an unreadable file, bad YAML, a key of
 *   {@link PROTOTYPE_KEYS} or a key that is no option of the recipe.
 */
export function parseRecipeParams<S extends z.ZodObject>(
  schema: S,
  opts: Record<string, unknown>,
  readFile: (path: string) => string,
): z.output<S> {
  // Own keys only: `"constructor" in shape` is true through Object.prototype, and assigning `__proto__` to a
  // plain object would replace its prototype instead of adding a key.
  const known = (k: string) => Object.hasOwn(schema.shape, k);
  const fromFile = new Map<string, unknown>();
  if (typeof opts.file === "string") {
    const file = quote(opts.file);
    let text: string;
    try {
      text = readFile(opts.file);
    } catch (e) {
      throw new UsageError(`Cannot read ${file}: ${(e as Error).message}`, "Check the path given to -f.");
    }
    let doc: unknown;
    try {
      doc = YAML.parse(text);
    } catch (e) {
      throw new UsageError(`${file} is not valid YAML: ${(e as Error).message}`);
    }
    if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) {
      throw new UsageError(`${file} must hold a mapping of option names to values`);
    }
    const keys = Object.keys(doc ?? {});
    const forbidden = keys.filter((k) => PROTOTYPE_KEYS.has(k));
    if (forbidden.length > 0) {
      throw new UsageError(
        `${file} has keys that are not option names: ${forbidden.map(quote).join(", ")}`,
        "Remove them; 'nsrecipe show RECIPE' lists the options.",
      );
    }
    for (const k of keys) {
      fromFile.set(k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), (doc as Record<string, unknown>)[k]);
    }
    const unknown = [...fromFile.keys()].filter((k) => !known(k));
    if (unknown.length > 0) {
      throw new UsageError(`${file} has unknown options: ${unknown.map((k) => quote(kebab(k))).join(", ")}`);
    }
  }
  const merged: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(schema.shape)) {
    const value = opts[key] !== undefined ? opts[key] : fromFile.get(key);
    if (value !== undefined) merged[key] = value;
  }
  const result = schema.safeParse(merged);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const key = i.path.length ? `--${kebab(String(i.path[0]))}` : "options";
      return `${key}: ${i.message}`;
    });
    throw new UsageError(lines.join("\n"), "See 'nsrecipe show RECIPE' for the options and their forms.");
  }
  return result.data;
}
