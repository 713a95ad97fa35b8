/**
 * The manual page, generated from the same commander definitions as `--help`
 * and the shell completions, so the three never drift: `nsrecipe man` prints
 * it as roff with the man(7) macros (`nsrecipe man | man -l -`), and
 * `deno task man` writes `dist/nsrecipe.1`.
 *
 * @module
 */
import type { Command, Help } from "@commander-js/extra-typings";

/**
 * Escapes text for roff: a backslash is written `\e`, a leading `.` or `'`
 * (a control line) is guarded by `\&`, and `-` is written `\-` (a minus, so
 * options can be searched and copied).
 * @param text Any text, one line.
 * @returns The escaped text.
 */
export function roffEscape(text: string): string {
  return text.replaceAll("\\", "\\e").replaceAll("-", "\\-").replace(/^([.'])/, "\\&$1");
}

/** Prose sections after the commands: what nsrecipe is for and how to read its results. */
export interface ManualProse {
  /** One line for NAME, after `nsrecipe \-`. */
  summary: string;
  /** Paragraphs for DESCRIPTION. */
  description: string[];
  /** Further sections, e.g. `["EXIT STATUS", ["0 success", …]]`, each line its own paragraph. */
  sections: [string, string[]][];
}

/**
 * Every visible command of the tree, depth first, with its full name.
 * @param cmd The root.
 * @param prefix The names above it.
 * @returns `[full name, command]` pairs, e.g. `["run veth-bridge", …]`.
 */
function walk(cmd: Command<any, any, any>, prefix: string[] = []): [string, Command<any, any, any>][] {
  const help = cmd.createHelp() as unknown as Help;
  return (help.visibleCommands(cmd as never) as unknown as Command<any, any, any>[])
    .filter((c) => c.name() !== "help")
    .flatMap((c) => {
      const name = [...prefix, c.name()];
      return [[name.join(" "), c] as [string, Command<any, any, any>], ...walk(c, name)];
    });
}

/**
 * Renders the manual page.
 * @param program The root command, every subcommand defined.
 * @param version The version, e.g. `0.1.0`.
 * @param prose The hand-written sections.
 * @returns The page as roff (man(7)), ending in a newline.
 */
export function manualPage(program: Command<any, any, any>, version: string, prose: ManualProse): string {
  const help = program.createHelp() as unknown as Help;
  const name = program.name();
  const lines: string[] = [
    `.TH ${name.toUpperCase()} 1 "" "${name} ${version}" "User Commands"`,
    ".SH NAME",
    `${name} \\- ${roffEscape(prose.summary)}`,
    ".SH SYNOPSIS",
    `.B ${name}`,
    roffEscape(help.commandUsage(program as never).slice(name.length + 1)),
    ".SH DESCRIPTION",
    ...prose.description.flatMap((p) => [".PP", roffEscape(p)]),
    ".SH GLOBAL OPTIONS",
    ...options(help, program),
    ".SH COMMANDS",
  ];
  for (const [, cmd] of walk(program)) {
    const h = cmd.createHelp() as unknown as Help;
    lines.push(
      ".SS " + roffEscape(h.commandUsage(cmd as never)),
      roffEscape(h.commandDescription(cmd as never)),
    );
    for (const arg of h.visibleArguments(cmd as never)) {
      lines.push(".TP", `\\fI${roffEscape(h.argumentTerm(arg))}\\fR`, roffEscape(h.argumentDescription(arg)));
    }
    lines.push(...options(h, cmd));
  }
  for (const [title, paragraphs] of prose.sections) {
    lines.push(`.SH ${title}`, ...paragraphs.flatMap((p) => [".PP", roffEscape(p)]));
  }
  return `${lines.join("\n")}\n`;
}

/** A command's own options as tagged paragraphs. */
function options(help: Help, cmd: Command<any, any, any>): string[] {
  return help.visibleOptions(cmd as never).filter((o) => o.long !== "--help").flatMap((o) => [
    ".TP",
    `\\fB${roffEscape(help.optionTerm(o))}\\fR`,
    roffEscape(help.optionDescription(o)),
  ]);
}
