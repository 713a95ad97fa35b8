/**
 * Recipe parameters on the command line: every key of a recipe's zod schema
 * becomes an option (`bridgeAddress` → `--bridge-address <cidr>`, named by the
 * field's `placeholder` metadata (zod's `z.meta()`), a boolean
 * → a flag), and the collected strings are parsed once through the schema.
 * `-f FILE.yaml` supplies values too; the command line overrides it.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
// Types only: zod itself is loaded by the recipes, so a command that names none (`undo --help`) does not load it.
import type { z as Zod } from "zod/mini";
// Loads no zod: its `z` is zod's once a recipe (`src/zod.ts`) has loaded, as it has when a recipe's schema is read.
import { z } from "../zod_deferred.ts";
import { UsageError } from "../errors.ts";
import { listed, quote } from "../quote.ts";
import { didYouMean } from "../suggest.ts";
import { RECIPE_LOADERS } from "../../recipes/by_name.ts";

/**
 * Keys a YAML file may not use, whatever the recipe: they name JavaScript's
 * object machinery, not options (a `__proto__:` key would set the prototype
 * of the object it is copied into).
 */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** The most unknown keys of a `-f` file one message lists. */
const LISTED_MAX = 10;

/** A schema field's CLI shape. */
export interface FieldInfo {
  /** The schema key, e.g. `bridgeAddress`. */
  key: string;
  /** The option, e.g. `--bridge-address`. */
  flag: string;
  /** A flag without a value. */
  boolean: boolean;
  /** The help text: what the option is and what it accepts. */
  description: string;
  /** It must be given (no default, not optional). */
  required: boolean;
  /** What its value is, for `--help` (`--address <cidr>`): the field's `placeholder` metadata, else `value`. */
  placeholder: string;
}

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** An option name as a schema key: `bridge-address` → `bridgeAddress`. */
function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The parts of a field that its option is read from: zod's own description of
 * the schema (`_zod.def`: its kind and, for a wrapper, what it wraps) and its
 * optionality on input (`_zod.optin`), both documented for libraries built on
 * zod ("Zod Core", internals); its metadata (`z.describe()`, `z.meta()`) is
 * in zod's global registry.
 */
interface FieldSchema {
  _zod: {
    def: { type: string; innerType?: FieldSchema; in?: FieldSchema; out?: FieldSchema };
    optin?: string;
    traits: Set<string>;
  };
}

/**
 * Whether a field may be left out of the input, as zod's JSON Schema export
 * (`toJSONSchema`, `io: "input"`) decides its `required`: by the field's
 * `optin` (`optional`, or `defaulted` for a field with a default), looked up past a transform (`z.preprocess`) and a `.catch()`, which
 * take an absent value at run time but declare no optional input.
 */
function optionalInput(field: FieldSchema): boolean {
  const def = field._zod.def;
  if (def.type === "pipe" && def.in?._zod.traits.has("$ZodTransform")) return optionalInput(def.out!);
  if (def.type === "catch") return optionalInput(def.innerType!);
  return field._zod.optin !== undefined;
}

/** What `.optional()` or `.default()` wraps, whose kind and metadata the field shows; `undefined` for any other. */
function wrapped(field: FieldSchema): FieldSchema | undefined {
  const def = field._zod.def;
  return def.type === "optional" || def.type === "default" ? def.innerType : undefined;
}

/** The kind of value a field takes, past {@link wrapped} (e.g. `boolean`, `string`, `pipe`). */
function valueType(field: FieldSchema): string {
  const inner = wrapped(field);
  return inner ? valueType(inner) : field._zod.def.type;
}

/** A field's metadata over that of what it wraps, as the JSON Schema export merges them. */
function metaOf(field: FieldSchema): { description?: string; placeholder?: string } {
  const inner = wrapped(field);
  const own = z.globalRegistry.get(field as unknown as Zod.core.$ZodType) as
    | { description?: string; placeholder?: string }
    | undefined;
  return { ...(inner && metaOf(inner)), ...own };
}

/** Each schema's fields, read once: `plan`, `run` and `rehearse` each add every recipe's options. */
const FIELDS = new WeakMap<Zod.ZodMiniObject, readonly FieldInfo[]>();

/**
 * Lists a schema's fields as CLI options: the option's kind, description,
 * placeholder and whether it is required read from each field's schema
 * itself, as zod's JSON Schema export (`toJSONSchema`, `io: "input"`) reads
 * them (a field with a default is not required, a field piped through a
 * transform has its input's type); a unit test holds the two equal for every
 * recipe. Not through that export: it costs a `run` or `plan` about 3 ms of
 * CPU (its code's first use), this a few µs. The reading runs once per
 * schema; later calls return the same list.
 * @param schema A recipe's parameter schema.
 * @returns One entry per key, in schema order.
 */
export function fieldsOf(schema: Zod.ZodMiniObject): readonly FieldInfo[] {
  const known = FIELDS.get(schema);
  if (known) return known;
  const fields = Object.entries(schema.shape).map(([key, shape]) => {
    const field = shape as unknown as FieldSchema;
    const meta = metaOf(field);
    return {
      key,
      flag: `--${kebab(key)}`,
      boolean: valueType(field) === "boolean",
      description: meta.description ?? key,
      required: !optionalInput(field),
      placeholder: meta.placeholder ?? "value",
    };
  });
  FIELDS.set(schema, fields);
  return fields;
}

/**
 * Adds a recipe's options (and `-f FILE.yaml`) to a command.
 * @param cmd The commander command (`run NAME` or `plan NAME`).
 * @param schema The recipe's schema.
 * @returns The same command.
 */
export function addRecipeOptions<C extends Command<any, any, any>>(cmd: C, schema: Zod.ZodMiniObject): C {
  for (const f of fieldsOf(schema)) {
    cmd.option(f.boolean ? f.flag : `${f.flag} <${f.placeholder}>`, optionHelp(f));
  }
  cmd.option("-f, --file <file.yaml>", "read recipe options from a YAML file (command-line options override it)");
  return cmd;
}

/**
 * An option's line of help, as `--help` and `show` print it: its
 * description, and `(required)` for one that must be given (on the command
 * line or in the `-f` file: commander is not told, so that the file can give
 * it), where the others say their default or `(optional)`.
 * @param f The option.
 * @returns The text, e.g. `the namespace's IPv4 address on the LAN, CIDR (required)`.
 */
export function optionHelp(f: Pick<FieldInfo, "description" | "required">): string {
  return f.required ? `${f.description} (required)` : f.description;
}

/**
 * The recipe options given on a command line, as words that give them again:
 * `-f FILE` first when a file was named, then each option given, in the
 * schema's order (`--name web --subnet 10.0.0.0/24`; a boolean as its flag).
 * Options not given (their defaults) are left out.
 * @param schema The recipe's schema.
 * @param opts Commander's option values (camelCase keys, `file` for `-f`).
 * @returns The words, unquoted (see `shellQuote` to show them).
 * @example
 * ```ts ignore
 * givenRecipeOptions(vethBridge.params, { name: "demo", rm: true }); // ["--name", "demo"]
 * ```
 */
export function givenRecipeOptions(schema: Zod.ZodMiniObject, opts: Record<string, unknown>): string[] {
  const words = typeof opts.file === "string" ? ["-f", opts.file] : [];
  for (const f of fieldsOf(schema)) {
    const v = opts[f.key];
    if (f.boolean ? v === true : typeof v === "string") words.push(...f.boolean ? [f.flag] : [f.flag, v as string]);
  }
  return words;
}

/**
 * Parses a recipe's parameters from the option values commander collected.
 *
 * @param schema The recipe's schema.
 * @param opts Commander's option values (camelCase keys); `file` names the YAML file.
 * @param readFile Returns the YAML file's text (the caller reads it).
 * @param recipe The recipe's name, for the hints (e.g. `full-migrate`).
 * @returns The parsed, typed parameters (a promise: the YAML parser is loaded on demand).
 * @throws {UsageError} For a value the schema rejects (each issue on its own
 *   line, naming the option), an unreadable file, bad YAML, a key of
 *   {@link PROTOTYPE_KEYS} or a key that is no option of the recipe.
 */
export async function parseRecipeParams<S extends Zod.ZodMiniObject>(
  schema: S,
  opts: Record<string, unknown>,
  readFile: (path: string) => string,
  recipe = "RECIPE",
): Promise<Zod.output<S>> {
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
    // The YAML parser is loaded only for a -f file (it is the largest library nsrecipe uses).
    const YAML = await import("yaml");
    let doc: unknown;
    try {
      doc = YAML.parse(text);
    } catch (e) {
      // A YAMLError carries where; the parser's other refusals (an alias bomb's ReferenceError) only what.
      const pos = e instanceof YAML.YAMLError ? e.linePos?.[0] : undefined;
      throw new UsageError(
        `${file} is not valid YAML: ${yamlErrorText((e as Error).message, pos, text)}`,
        "It takes one option a line, e.g. 'name: web', 'subnet: 10.0.0.0/24'.",
      );
    }
    if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) {
      throw new UsageError(`${file} must hold a mapping of option names to values`);
    }
    const keys = Object.keys(doc ?? {});
    const forbidden = keys.filter((k) => PROTOTYPE_KEYS.has(k));
    if (forbidden.length > 0) {
      throw new UsageError(
        `${file} has keys that are not option names: ${forbidden.map(quote).join(", ")}`,
        `Remove them; 'nsrecipe show ${recipe}' lists the options.`,
      );
    }
    // Each key as written in the file, for messages (`Name:` is reported as 'Name', not as a made-up '-name').
    const written = new Map<string, string>();
    for (const k of keys) {
      const key = camel(k);
      fromFile.set(key, (doc as Record<string, unknown>)[k]);
      written.set(key, k);
    }
    const unknown = [...fromFile.keys()].filter((k) => !known(k));
    if (unknown.length > 0) throw await unknownKeysError(file, recipe, schema, unknown, written);
  }
  const merged: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(schema.shape)) {
    const value = opts[key] !== undefined ? opts[key] : fromFile.get(key);
    if (value !== undefined) merged[key] = value;
  }
  const result = schema.safeParse(merged);
  if (!result.success) {
    const accepted = new Map(fieldsOf(schema).map((f) => [f.key, f.description]));
    const lines = result.error.issues.map((i) => {
      const key = i.path.length ? String(i.path[0]) : "";
      const where = !key
        ? "The options"
        : opts[key] === undefined && fromFile.has(key)
        ? `${quote(kebab(key))} in ${quote(String(opts.file))}`
        : `--${kebab(key)}`;
      return issueMessage(i, where, merged[key], accepted.get(key));
    });
    throw new UsageError(lines.join("\n"), `See 'nsrecipe show ${recipe}' for the options and their forms.`);
  }
  return result.data;
}

/**
 * The refusal of a `-f` file's keys that are no option of the recipe, each
 * named as written, with what is wrong with it: an option of another recipe
 * ("an option of veth-bridge"), or a near miss ("did you mean name?"). The
 * hint says that option names are lower case only when one key is an option
 * of this recipe written with capitals (`Name:`), and names this recipe's
 * options when one key belongs to another recipe. The other recipes are
 * loaded for this message only.
 * @param file The file, quoted.
 * @param recipe This recipe's name, e.g. `netns`.
 * @param schema Its schema.
 * @param unknown The keys that are no option of it, camel-cased (`bridgeAddress`), in the file's order.
 * @param written Each key as written in the file.
 * @returns The usage error.
 */
async function unknownKeysError(
  file: string,
  recipe: string,
  schema: Zod.ZodMiniObject,
  unknown: readonly string[],
  written: ReadonlyMap<string, string>,
): Promise<UsageError> {
  const names = Object.keys(schema.shape).map(kebab);
  const others = await Promise.all(
    Object.entries(RECIPE_LOADERS).filter(([name]) => name !== recipe).map(async ([name, load]) => ({
      name,
      keys: new Set(fieldsOf((await load()).params).map((f) => f.key)),
    })),
  );
  // A key as written but in lower case (`NAT` → `nat`, `Bridge-Address` → `bridgeAddress`), when it has capitals.
  const lowered = (key: string) => {
    const as = written.get(key)!;
    return as === as.toLowerCase() ? undefined : camel(as.toLowerCase());
  };
  // This recipe's own option, in capitals.
  const ownMiscased = (key: string) => {
    const lower = lowered(key);
    return lower !== undefined && Object.hasOwn(schema.shape, lower);
  };
  const takenBy = (key: string) => {
    if (ownMiscased(key)) return [];
    const lower = lowered(key);
    return others.filter((o) => o.keys.has(key) || (lower !== undefined && o.keys.has(lower))).map((o) => o.name);
  };
  const shown = unknown.slice(0, LISTED_MAX).map((key) => {
    const by = takenBy(key);
    const as = written.get(key)!;
    return by.length > 0 ? `${quote(as)} (an option of ${listed(by)})` : `${quote(as)}${didYouMean(as, names)}`;
  });
  const more = unknown.length > LISTED_MAX ? ` and ${unknown.length - LISTED_MAX} more` : "";
  const elsewhere = unknown.some((key) => takenBy(key).length > 0);
  // Capitals are the problem when the key in lower case is an option (of this recipe or of another).
  const miscased = unknown.some((key) => ownMiscased(key) || (lowered(key) !== undefined && takenBy(key).length > 0));
  const hint = [
    ...miscased ? ["Option names are lower case, as on the command line without '--'"] : [],
    ...elsewhere ? [`${recipe} takes ${names.length > 0 ? names.join(", ") : "no options"}`] : [],
    `'nsrecipe show ${recipe}' lists them.`,
  ].join("; ");
  return new UsageError(
    `${file} has ${elsewhere ? `options ${recipe} does not take` : "unknown options"}: ${shown.join(", ")}${more}`,
    hint,
  );
}

/** The minimal shape of a zod issue that {@link issueMessage} reads. */
export interface OptionIssue {
  /** zod's issue code, e.g. `invalid_type`, `too_small`, `custom`. */
  code: string;
  /** zod's message: used only for `custom` issues, which nsrecipe writes itself. */
  message: string;
  /** For `invalid_type`: the expected type (`string`, `number`, `boolean`, …). */
  expected?: string;
  /** For `too_small`: the least accepted value. */
  minimum?: number | bigint;
  /** For `too_big`: the greatest accepted value. */
  maximum?: number | bigint;
}

/**
 * One validation problem in nsrecipe's words (never zod's "expected string,
 * received undefined"): the option (or the file and key), what was given and
 * what is accepted.
 *
 * @param issue The zod issue.
 * @param where e.g. `--mtu` or `'mtu' in 'web.yaml'`.
 * @param given The value given (a string from the command line, any YAML value from a file), or undefined.
 * @param accepted The option's description (what it accepts), if any.
 * @returns One line, e.g. `--mtu: 'abc' is not a number; it takes: MTU of the veth pair in bytes`.
 */
export function issueMessage(issue: OptionIssue, where: string, given: unknown, accepted?: string): string {
  const takes = accepted ? `; it takes: ${accepted}` : "";
  // YAML reads 1e400 as Infinity, `.nan` as NaN; JSON would show either as null (M1).
  if (typeof given === "number" && !Number.isFinite(given)) {
    return `${where}: the number given is out of range (it reads as ${String(given)})${takes}`;
  }
  const shown = shownValue(given);
  switch (issue.code) {
    case "invalid_type":
      if (given === undefined) return `${where} is required${takes}`;
      if (issue.expected === "int") return `${where}: ${shown} is not a whole number${takes}`;
      if (issue.expected === "number") return `${where}: ${shown} is not a number${takes}`;
      if (issue.expected === "boolean") return `${where} is a flag: true or false, not ${shown}`;
      if (issue.expected === "string") return `${where} must be text, not ${shown}${takes}`;
      return `${where}: ${shown} is not accepted${takes}`;
    case "too_small":
      return `${where}: ${shown} is too small, the least accepted is ${issue.minimum}${takes}`;
    case "too_big":
      return `${where}: ${shown} is too big, the most accepted is ${issue.maximum}${takes}`;
    case "not_multiple_of":
      return `${where}: ${shown} is not a whole number${takes}`;
    case "custom":
      // nsrecipe's own checks (src/names.ts) often name the option already.
      return issue.message.includes(where) ? issue.message : `${where}: ${issue.message}`;
    default:
      return `${where}: ${shown} is not accepted${takes}`;
  }
}

/** How {@link issueMessage} shows a value that contains itself, which JSON cannot show. */
export const SELF_CONTAINING = "a value that contains itself (a YAML alias inside its own anchor)";

/**
 * A value given as {@link issueMessage} shows it: a string quoted, anything
 * else as JSON, and {@link SELF_CONTAINING} for a value that contains itself
 * (`name: &a [*a]` in a `-f` file: the `yaml` library reads an alias inside
 * its own anchor as an array or mapping holding itself), on which
 * `JSON.stringify` throws a `TypeError`.
 */
function shownValue(given: unknown): string {
  if (typeof given === "string") return quote(given);
  try {
    return JSON.stringify(given);
  } catch (e) {
    if (e instanceof TypeError) return SELF_CONTAINING;
    throw e;
  }
}

/**
 * A YAML parser error on one line: where (line and column, or "at its end"
 * when the parser points past the last line) and what, without the parser's
 * excerpt of the file and its caret.
 * @param message The `yaml` library's message, e.g. `Map keys must be unique at line 2, column 1:\n\na: 1…`.
 * @param pos Its position, 1-based, if known.
 * @param text The file's text.
 * @returns e.g. `line 2, column 1: Map keys must be unique`.
 */
export function yamlErrorText(message: string, pos: { line: number; col: number } | undefined, text: string): string {
  const what = message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
  if (!pos) return what;
  const lines = text.replace(/\n$/, "").split("\n").length;
  return pos.line > lines ? `at its end: ${what}` : `line ${pos.line}, column ${pos.col}: ${what}`;
}
