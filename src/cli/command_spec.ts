/**
 * The global options, the plain commands (`list`, `show`, `exec`, `shell`,
 * `undo`, `confirm`, `status`, `doctor`, `journal` and the hidden
 * `__watchdog`) and the options of `plan RECIPE` and `run RECIPE` besides the
 * recipe's own, declared once as data. `program.ts` builds commander's program
 * from it (commander stays the one source of help, the manual page,
 * completions and every parse error), and `fast_parse.ts` parses an ordinary
 * command line of these commands from it without loading commander.
 *
 * Nothing here imports commander: this module is on the fast path.
 *
 * @module
 */
import { DEFAULT_STATE_DIR } from "../journal/paths.ts";
import { DEFAULT_BRIDGE } from "../names.ts";
import { WATCHDOG_COMMAND } from "./hidden.ts";

/** One option as commander declares it (`.option(flags, description[, default])`). */
export interface OptionSpec {
  /** The long flag, e.g. `--state-dir` or `--no-color` (a negated flag: its key is `color`, true by default). */
  long: `--${string}`;
  /** The value's placeholder when the option takes one, e.g. `<dir>`; none for a flag. */
  value?: `<${string}>`;
  /** The help text. */
  description: string;
  /** The default value, shown by commander's help as `(default: …)`. */
  default?: string;
  /**
   * How help and the manual page show a default read from the environment, instead of its value here (which would
   * put the builder's `$SHELL` in a manual page built once), e.g. `$SHELL, else /bin/bash`.
   */
  defaultShown?: string;
}

/** How `--shell`'s default (`$SHELL`, else `/bin/bash`) is shown in help and in the manual page. */
const SHELL_DEFAULT_SHOWN = "$SHELL, else /bin/bash";

/** The options every command accepts (commander's program options, recognised before and after the command). */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { long: "--state-dir", value: "<dir>", description: "journal and lock directory", default: DEFAULT_STATE_DIR },
  { long: "--json", description: "machine-readable output on stdout" },
  { long: "--verbose", description: "show every command run, its exit code and time" },
  { long: "--dry-run", description: "show what would run; change nothing" },
  { long: "--no-color", description: "no colours (also NO_COLOR=1)" },
];

/** The plain commands: fixed operands (no recipe among them), options of their own, for `exec` a command after `--`. */
export type PlainCommandName =
  | "list"
  | "show"
  | "exec"
  | "shell"
  | "undo"
  | "confirm"
  | "status"
  | "doctor"
  | "journal"
  | typeof WATCHDOG_COMMAND;

/** A plain command as commander declares it. */
export interface PlainCommandSpec {
  /** The command word. */
  name: PlainCommandName;
  /** The help's one-line description; none for a hidden command. */
  description?: string;
  /** Its operands, in order: `<run>` required, `[run]` optional, with their help texts. */
  operands: readonly { term: `<${string}>` | `[${string}]`; description?: string }[];
  /**
   * The command to run inside, after `--` (`exec`): the variadic argument commander collects it in (optional to
   * commander, so that its absence gets nsrecipe's own message; `needed` shows it required in the usage line).
   */
  inside?: { term: `[${string}...]`; description: string; needed?: boolean };
  /** Its own options. */
  options: readonly OptionSpec[];
  /** Left out of the help (nsrecipe's own inner commands). */
  hidden?: boolean;
}

/** A plain command line as commander reads it (and `fast_parse.ts`, the same). */
export interface PlainCommandLine {
  /** The command word. */
  command: PlainCommandName;
  /** Its operands given, in order (e.g. `["web"]`; `[]` for none). */
  operands: string[];
  /** The command's own options, as commander's `cmd.opts()` holds them (defaults included, e.g. `{ deep: true }`). */
  opts: Record<string, string | boolean>;
  /** The command to run inside, after `--` (`exec`); `[]` for none. */
  inside: string[];
  /** The global options, as commander's `program.opts()` holds them (defaults included). */
  globals: Record<string, string | boolean>;
}

/** A run, by id or name, as most commands take it. */
const RUN = { term: "<run>", description: "run id or name (see 'status')" } as const;

/** The plain commands, by name. */
export const PLAIN_COMMANDS: Readonly<Record<PlainCommandName, PlainCommandSpec>> = {
  list: { name: "list", description: "list the recipes", operands: [], options: [] },
  show: {
    name: "show",
    description: "what a recipe does, and its options",
    operands: [{ term: "<recipe>" }],
    options: [],
  },
  exec: {
    name: "exec",
    description: "run a command in an applied run's network and PID namespaces",
    operands: [RUN],
    inside: { term: "[command...]", description: "the command to run inside (after --)", needed: true },
    options: [],
  },
  shell: {
    name: "shell",
    description: "open a shell in an applied run's network and PID namespaces",
    operands: [RUN],
    options: [{
      long: "--shell",
      value: "<path>",
      description: "the shell to start",
      // Read when asked (the fast path reads this table for every command), as `run`'s --shell is.
      get default() {
        return Deno.env.get("SHELL") || "/bin/bash";
      },
      defaultShown: SHELL_DEFAULT_SHOWN,
    }],
  },
  undo: {
    name: "undo",
    description: "undo the newest applied run, a chosen one, or all",
    operands: [{ term: "[run]", description: "run id or name (see 'status')" }],
    options: [{ long: "--all", description: "undo every applied run, newest first" }],
  },
  confirm: {
    name: "confirm",
    description: "keep a run that waits for confirmation (see run --confirm)",
    operands: [{ term: "[run]", description: "run id or name; default: the newest waiting run" }],
    options: [],
  },
  status: {
    name: "status",
    description: "applied runs as a table; with RUN, its steps, objects and drift",
    operands: [{
      term: "[run]",
      description: "run id or name: show its details (every step checked, unless --quick)",
    }],
    options: [
      {
        long: "--deep",
        description: "check every step of every run: read the inside of each namespace (one process each)",
      },
      {
        long: "--quick",
        description:
          "check from one read of the host only, not inside namespaces (the table's own choice beyond 8 live ones)",
      },
    ],
  },
  doctor: {
    name: "doctor",
    description: "check the host for nsrecipe (read-only); exit 3 when a check fails",
    operands: [],
    options: [
      {
        long: "--uplink",
        value: "<dev>",
        description: "the uplink to check (default: the device of the default route, IPv4 then IPv6)",
      },
      { long: "--name", value: "<name>", description: "check that this namespace name is free" },
      {
        long: "--bridge",
        value: "<name>",
        description: `check this bridge name; suggested firewall rules name it (default ${DEFAULT_BRIDGE})`,
      },
    ],
  },
  journal: {
    name: "journal",
    description: "print the journal; with RUN, only that run's records",
    operands: [{ term: "[run]", description: "run id or name (every run that had that name)" }],
    options: [],
  },
  // `nsrecipe [--state-dir DIR] __watchdog RUN DEADLINE`, started by `run` for a confirmation window (run.ts).
  [WATCHDOG_COMMAND]: {
    name: WATCHDOG_COMMAND,
    operands: [{ term: "<run>" }, { term: "<deadline>" }],
    options: [],
    hidden: true,
  },
};

/**
 * The flags commander is given for an option, e.g. `--state-dir <dir>`.
 * @param o The option.
 * @returns Its flags string.
 */
export function flagsOf(o: OptionSpec): string {
  return o.value ? `${o.long} ${o.value}` : o.long;
}

/**
 * The key commander stores an option's value under: the long flag without its
 * dashes (and without `no-` for a negated one), camel-cased (`--dry-run` →
 * `dryRun`, `--no-color` → `color`).
 * @param o The option.
 * @returns The key.
 */
export function keyOf(o: OptionSpec): string {
  const name = o.long.slice(2).replace(/^no-/, "");
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * What commander holds for options not given: a declared default, and a
 * negated flag's `true` unless its positive option is declared too
 * (`--no-color` alone: `color` is true; `--confirm <s>` then `--no-confirm`:
 * `confirm` is unset).
 * @param options The options, in the order commander is given them.
 * @returns Their default values by key, e.g. `{ stateDir: "/run/nsrecipe", color: true }`.
 */
export function defaultsOf(options: readonly OptionSpec[]): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const o of options) {
    const positive = `--${o.long.slice(5)}`;
    if (o.long.startsWith("--no-")) {
      if (!options.some((p) => p.long === positive)) values[keyOf(o)] = true;
    } else if (o.default !== undefined) values[keyOf(o)] = o.default;
  }
  return values;
}

/** The commands whose first operand is a recipe and that the fast path reads (`rehearse` is commander's only). */
export type RecipeCommandName = "plan" | "run";

/**
 * The options of `plan RECIPE` or `run RECIPE` besides the recipe's own (and its `-f FILE`), in help order.
 * @param command `plan` or `run`.
 * @returns The options; `run`'s `--shell` defaults to `$SHELL`, else `/bin/bash`.
 */
export function recipeCommandOptions(command: RecipeCommandName): readonly OptionSpec[] {
  if (command === "plan") {
    // run's confirmation options too, so that a run command line pasted after 'plan' plans (M1).
    return [
      {
        long: "--confirm",
        value: "<seconds>",
        description: "the confirmation window 'run' would open (shown, nothing is run)",
      },
      { long: "--no-confirm", description: "no confirmation window" },
    ];
  }
  return [
    { long: "--rm", description: "undo the run when the shell or command exits" },
    {
      long: "--shell",
      value: "<path>",
      description: "shell to start when no command is given",
      default: Deno.env.get("SHELL") || "/bin/bash",
      defaultShown: SHELL_DEFAULT_SHOWN,
    },
    {
      long: "--confirm",
      value: "<seconds>",
      description: "undo automatically unless confirmed within SECONDS, by typing yes or by 'nsrecipe confirm' from " +
        "any session (a watchdog holds the window and survives SSH loss); full-migrate: 120 by default, " +
        "on a terminal or not",
    },
    { long: "--no-confirm", description: "no confirmation window (for scripts that need none)" },
  ];
}

/** A `plan RECIPE` or `run RECIPE` command line as commander reads it (and `fast_parse.ts`, the same). */
export interface RecipeCommandLine {
  /** The command word. */
  command: RecipeCommandName;
  /** The recipe's name, e.g. `netns`. */
  recipe: string;
  /**
   * The options of `RECIPE` as commander's `cmd.opts()` holds them: the recipe's own (by schema key, e.g.
   * `{ name: "web", bridgeAddress: "10.0.0.1/24" }`), `file`, and the command's ({@link recipeCommandOptions},
   * defaults included: `run`'s `shell`).
   */
  opts: Record<string, string | boolean>;
  /** `--shell` was given on the command line (not its default). */
  shellGiven: boolean;
  /** The command to run inside: what follows the first `--` (`run` only); `[]` for none. */
  inside: string[];
  /** The global options, as commander's `program.opts()` holds them (defaults included). */
  globals: Record<string, string | boolean>;
}
