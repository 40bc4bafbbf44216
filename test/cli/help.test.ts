import { describe, expect, it } from "vitest";
import { translateHelp } from "../../src/cli/help.js";
import { buildProgram } from "../../src/cli/program.js";
import { Translator } from "../../src/i18n/translator.js";

describe("--help in both languages", () => {
  it.each(["en", "it"] as const)("every command, option and argument has its catalogue text (%s)", (lang) => {
    const t = new Translator(lang);
    const program = buildProgram({ out: () => undefined, err: () => undefined, isTTY: false, env: {}, t });
    expect(translateHelp(program, t, { keys: "", kinds: "" })).toEqual([]);
  });

  it("no help text points to DESIGN.md, which users do not have", () => {
    for (const lang of ["en", "it"] as const) {
      const lines: string[] = [];
      const t = new Translator(lang);
      const program = buildProgram({ out: (l) => lines.push(l), err: () => undefined, isTTY: false, env: {}, t });
      const visit = (cmd: typeof program) => {
        lines.push(cmd.helpInformation());
        cmd.commands.forEach(visit);
      };
      visit(program);
      expect(lines.join("\n")).not.toMatch(/DESIGN/);
      expect(lines.join("\n")).toContain(lang === "it" ? "registra un ordine; stampa TIPO/NUMERO" : "place an order; prints TYPE/NUMBER");
    }
  });
});
