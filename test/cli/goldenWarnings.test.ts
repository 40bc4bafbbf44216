import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sincro } from "../support/cli.js";

/**
 * The rarer words, in Italian, asserted whole: a sync's warnings, an import refused with line
 * and column, the audit text report, parking check's steps, customer assign and agent retire.
 * One office and agent AG01 on a folder parking area, driven through the built command line.
 */
const ENV = { LANG: "it_IT.UTF-8", SINCRO_PASSPHRASE: "una frase lunga" };

let dir: string;
let sede: string;
let agent: string;
let park: string;

function run(db: string, args: string[], status = 0): { stdout: string; stderr: string } {
  const r = sincro(["--db", db, ...args], ENV);
  expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(status);
  if (status === 0) expect(r.stderr, args.join(" ")).toBe("");
  return { stdout: r.stdout, stderr: r.stderr };
}

/** The lines of a sync's summary that are warnings (`attenzione: …`). */
const warnings = (out: string) => out.split("\n").filter((l) => l.startsWith("  attenzione: "));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sincro-test-"));
  park = join(dir, "park");
  mkdirSync(park);
  sede = join(dir, "sede.db");
  agent = join(dir, "ag.db");
  run(sede, ["init", "--role", "sede"]);
  run(sede, ["config", "set", "transport", "folder"]);
  run(sede, ["config", "set", "folder.path", park]);
  run(sede, ["parking", "check"]);
  run(sede, ["agent", "add", "AG01", "--name", "Mario Rossi"]);
  run(sede, ["product", "add", "P001", "--description", "Caffè in grani"]);
  run(sede, ["agent", "enroll", "AG01", "--out", join(dir, "AG01.enroll")]);
  run(agent, ["init", "--enroll", join(dir, "AG01.enroll")]);
  run(sede, ["sync"]);
  run(agent, ["sync"]);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("Italian words for what goes wrong, asserted whole", () => {
  it("parking check names each step in Italian", () => {
    const { stdout } = run(sede, ["parking", "check"]);
    const lines = stdout.split("\n");
    expect(lines[0]).toBe(`controllo di folder:${park}`);
    expect(lines.slice(1, 10)).toEqual([
      `  ok      connessione a folder:${park} ed elenco della cartella principale`,
      "  ok      creazione della cartella SincroAg",
      "  ok      elenco di SincroAg",
      "  ok      invio di un file in SincroAg",
      "  ok      il file inviato compare nell'elenco di SincroAg",
      "  ok      rilettura del file da SincroAg",
      "  ok      sostituzione del file in SincroAg scrivendo sullo stesso nome",
      "  ok      cancellazione del file da SincroAg",
      "  ok      creazione della cartella SincroSede",
    ]);
    expect(stdout).toContain("l'area di parcheggio è pronta per sincro\n");
    expect(stdout).not.toMatch(/create folder|upload a file/);
  });

  it("a file deleted from the parking area: the agent waits and asks, the office sends it again, in Italian", () => {
    run(sede, ["product", "add", "P002", "--description", "Pasta"]);
    run(sede, ["sync"]);
    run(sede, ["product", "add", "P003", "--description", "Sale"]);
    run(sede, ["sync"]);
    const all = join(park, "SincroSede", "_ALL");
    const [victim] = readdirSync(all).filter((f) => f.endsWith(".seg")).sort().slice(-2);
    rmSync(join(all, victim as string));

    const waiting = run(agent, ["sync"]).stdout;
    expect(warnings(waiting)).toEqual([
      `  attenzione: il file SincroSede/_ALL/${victim} manca dall'area di parcheggio, mentre i successivi ci sono: chiesto alla sede di inviarlo di nuovo; il resto arriva quando sarà tornato`,
    ]);
    // --json keeps the engine's English words, for programs and logs.
    const machine = JSON.parse(run(agent, ["sync", "--json"]).stdout) as { warnings: string[]; said?: unknown };
    expect(machine.said).toBeUndefined();
    expect(machine.warnings).toEqual([expect.stringMatching(new RegExp(`^SEDE>\\*: waiting for segment \\d+: SincroSede/_ALL/${victim} is missing`))]);
    const resent = run(sede, ["sync"]).stdout;
    expect(warnings(resent)).toEqual([
      `  attenzione: il file SincroSede/_ALL/${victim} è stato inviato di nuovo dalla copia di questo PC: l'agente AG01 non lo trovava nell'area di parcheggio`,
    ]);
    expect(warnings(run(agent, ["sync"]).stdout)).toEqual([]);
  }, 120_000);

  it("an import refused: every problem with its line and column, in Italian; nothing imported", () => {
    const file = join(dir, "articoli.csv");
    writeFileSync(file, "Codice;Descrizione;UM;Aliquota IVA\nP010;Olio;PZ;22\nP011;;PZ;22\nP010;Ancora;PZ;22\nP012;Sale;PZ;ventidue\n");
    const { stderr } = run(sede, ["import", "products", file], 1);
    expect(stderr).toBe(
      `sincro: importazione products ${file}: 3 problemi, non è stato importato niente\n` +
        `importazione products riga 3, colonna description ("Descrizione"): è vuota; ogni riga deve avere un valore per description\n` +
        `importazione products riga 4, colonna code ("Codice"): la riga di P010 compare di nuovo (la prima volta alla riga 2)\n` +
        `importazione products riga 5, colonna vat ("Aliquota IVA"): vat "ventidue" non è un numero decimale (scrivilo come 12,50 o 12.50)\n`,
    );
    expect(run(sede, ["product", "list", "--json"]).stdout).not.toContain("P010");
  });

  it("a domain refusal that had no Italian before: an agent choosing a code outside its series", () => {
    expect(run(agent, ["customer", "add", "--name", "Bar Sport", "--code", "123456"], 1).stderr).toBe(
      "sincro: il codice cliente 123456 è fuori dalla serie di questo agente (AG01 seguito da 6 cifre), quindi potrebbe coincidere con quello di un altro PC\n",
    );
  });

  it("customer assign and agent retire speak Italian", () => {
    const code = run(sede, ["customer", "add", "--name", "Trattoria Da Gino"]).stdout.trim();
    expect(run(sede, ["customer", "assign", code, "--agent", "AG01"]).stdout).toBe(
      `cliente ${code} spostato dalla sede all'agente AG01: AG01 lo riceve con i suoi 0 prezzi speciali alla prossima sincronizzazione\n`,
    );
    expect(run(sede, ["customer", "assign", code, "--agent", "AG01"]).stdout).toBe(`niente da registrare: il cliente ${code} è già dell'agente AG01\n`);
    expect(run(sede, ["customer", "assign", code, "--agent", "none"]).stdout).toBe(
      `cliente ${code} spostato dall'agente AG01 alla sede; AG01 non lo vede più dopo la sua prossima sincronizzazione (i suoi ordini passati restano nella sua cronologia)\n`,
    );
  });

  it("the audit text report is in Italian, with the engine's terms where audit needs them", () => {
    const { stdout } = run(sede, ["audit"]);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`audit ${sede} (SEDE): ${lines[0]?.match(/(\d+) eventi/)?.[1]} eventi da 1 origine`);
    expect(lines[1]).toMatch(/^inserito da\s+eventi\s+seq\s+controllo$/);
    expect(lines.at(-1)).toBe("audit: tutti i controlli sono superati");
    expect(stdout).toMatch(/rieseguiti \d+ eventi in proiezioni nuove:/);
  });
});
