import type { Command } from "commander";
import type { Translator } from "../i18n/translator.js";

/** The values the help texts name ({keys}, {kinds}). */
export type HelpParams = Readonly<Record<string, string>>;

/** The path of a command below `sincro`: "order add"; the program itself is "sincro". */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.length === 0 ? "sincro" : names.join(" ");
}

/** Catalogue keys for a text, most specific first: the command's own, its top command's, any command's. */
function keys(kind: "opt" | "arg", path: string, name: string): string[] {
  const top = path.split(" ")[0] as string;
  return [`help.${kind}.${path}.${name}`, `help.${kind}.${top}.${name}`, `help.${kind}.${name}`];
}

/**
 * Says every command's, option's and argument's description, and the help's headings, in the
 * user's language (keys `help.cmd.<path>`, `help.opt.<path>.<--flag>`, `help.arg.<path>.<name>`,
 * falling back to the top command's or any command's). Returns what has no catalogue text, for the test.
 */
export function translateHelp(program: Command, t: Translator, params: HelpParams): string[] {
  const missing: string[] = [];
  const say = (candidates: string[]): string | undefined => {
    for (const key of candidates) {
      const text = t.lookup(key, params);
      if (text !== undefined) return text;
    }
    return undefined;
  };
  const visit = (cmd: Command) => {
    const path = pathOf(cmd);
    const description = say([`help.cmd.${path}`]);
    if (description !== undefined) cmd.description(description);
    else missing.push(`help.cmd.${path}`);
    for (const option of cmd.options) {
      const name = option.long ?? option.short ?? "";
      const text = say(keys("opt", path, name));
      if (text !== undefined) option.description = text;
      else missing.push(`help.opt.${path}.${name}`);
    }
    for (const argument of cmd.registeredArguments) {
      const text = say(keys("arg", path, argument.name()));
      if (text !== undefined) argument.description = text;
      else if (argument.description !== "") missing.push(`help.arg.${path}.${argument.name()}`);
    }
    cmd.helpOption("-h, --help", say(["help.opt.--help"]));
    if (cmd.commands.length > 0) cmd.helpCommand("help [command]", say(["help.cmd.help"]) ?? "");
    cmd.configureHelp({ styleTitle: (title: string) => say([`help.title.${title}`]) ?? title });
    for (const sub of cmd.commands) visit(sub);
  };
  visit(program);
  return missing;
}
