import type { MessageKey, Translator } from "../i18n/translator.js";

/**
 * Commander's own error lines, said in the user's language: each pattern matches one of the
 * messages commander writes (commander 14), its groups the placeholders of a catalogue message.
 * A line no pattern matches is left as commander wrote it.
 */
const PATTERNS: ReadonlyArray<{ re: RegExp; key: MessageKey & `usage.${string}`; names: readonly string[] }> = [
  { re: /^error: unknown option '([^']*)'$/, key: "usage.unknownOption", names: ["option"] },
  { re: /^error: unknown command '([^']*)'$/, key: "usage.unknownCommand", names: ["command"] },
  { re: /^error: required option '([^']*)' not specified$/, key: "usage.requiredOption", names: ["option"] },
  { re: /^error: missing required argument '([^']*)'$/, key: "usage.missingArgument", names: ["argument"] },
  { re: /^error: option '([^']*)' argument missing$/, key: "usage.optionArgumentMissing", names: ["option"] },
  { re: /^error: option '([^']*)' argument '([^']*)' is invalid\. Allowed choices are (.*)\.$/, key: "usage.invalidChoice", names: ["option", "value", "choices"] },
  { re: /^error: too many arguments(?: for '([^']*)')?\. Expected (\d+) arguments? but got (\d+)\.$/, key: "usage.tooManyArguments", names: ["command", "expected", "got"] },
  { re: /^\(Did you mean (?:one of )?(.*)\?\)$/, key: "usage.didYouMean", names: ["suggestion"] },
];

export function commanderError(text: string, t: Translator): string {
  return text
    .split("\n")
    .map((line) => {
      for (const { re, key, names } of PATTERNS) {
        const m = re.exec(line);
        if (!m) continue;
        const params = Object.fromEntries(names.map((name, i) => [name, m[i + 1] ?? ""]));
        return t.lookup(key, params) ?? line;
      }
      return line;
    })
    .join("\n");
}
