import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sincro } from "../support/cli.js";

/**
 * Refusals of the command line, the node and the audit, in both languages, asserted whole
 * through the built command line: the sentence, the exit code, nothing written; with --json,
 * one JSON object on stderr with the code and the refused field.
 */
const PASSPHRASE = { SINCRO_PASSPHRASE: "una frase lunga" };

let dir: string;
let sede: string;
let enrollFile: string;
let keyFile: string;

const at = (name: string) => join(dir, name);

/** The test folder's files, without SQLite's -wal and -shm, which come and go with each open. */
const files = () => readdirSync(dir).filter((f) => !/-(wal|shm)$/.test(f)).sort();

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sincro-test-"));
  sede = at("sede.db");
  const ok = (args: string[]) => {
    const r = sincro(["--db", sede, ...args], PASSPHRASE);
    expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  };
  ok(["init", "--role", "sede"]);
  ok(["agent", "add", "AG01", "--name", "Mario Rossi"]);
  enrollFile = at("ag01.enroll");
  ok(["agent", "enroll", "AG01", "--out", enrollFile]);
  keyFile = at("sede.keys");
  ok(["key", "backup", "--out", keyFile]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  name: string;
  /** The arguments; `{dir}` is the test's folder. */
  args: () => string[];
  env?: Record<string, string>;
  status: number;
  it: () => string;
  en: () => string;
  /** A file the refusal must not have created. */
  notWritten?: () => string;
}

const CASES: Case[] = [
  {
    name: "init of an agent PC without an enrollment file (a bad --agent code)",
    args: () => ["--db", at("ag.db"), "init", "--role", "agent", "--agent", "ag 1"],
    status: 1,
    it: () =>
      'sincro: il PC di un agente si prepara dal file di abilitazione della sede: chiedi alla sede di eseguire "sincro agent enroll ag 1 --out FILE" e di darti il file e la sua frase segreta, poi esegui "sincro init --enroll FILE"\n',
    en: () =>
      'sincro: an agent\'s PC is set up from the office\'s enrollment file: ask the office to run "sincro agent enroll ag 1 --out FILE" and to give you the file and its passphrase, then run "sincro init --enroll FILE"\n',
    notWritten: () => at("ag.db"),
  },
  {
    name: "init of the sede with --agent",
    args: () => ["--db", at("new.db"), "init", "--role", "sede", "--agent", "AG01"],
    status: 1,
    it: () => "sincro: --agent vale solo per il PC di un agente (il codice della sede è SEDE)\n",
    en: () => "sincro: --agent is only for an agent node (the sede's id is SEDE)\n",
    notWritten: () => at("new.db"),
  },
  {
    name: "init of the sede with a bad order type",
    args: () => ["--db", at("new.db"), "init", "--role", "sede", "--order-type", "sede 1"],
    status: 1,
    it: () => 'sincro: il tipo ordine "sede 1" deve avere da 1 a 8 lettere maiuscole o cifre\n',
    en: () => 'sincro: order type "sede 1" must be 1 to 8 capital letters or digits\n',
    notWritten: () => at("new.db"),
  },
  {
    name: "init over an existing database",
    args: () => ["--db", sede, "init", "--role", "sede"],
    status: 1,
    it: () => `sincro: init ${sede}: esiste già un file con questo nome; scegli un altro --db oppure toglilo\n`,
    en: () => `sincro: init ${sede}: a file already exists there; choose another --db or remove it\n`,
  },
  {
    name: "init --enroll with a wrong passphrase",
    args: () => ["--db", at("ag.db"), "init", "--enroll", enrollFile],
    env: { SINCRO_PASSPHRASE: "un'altra frase" },
    status: 1,
    it: () => `sincro: init --enroll ${enrollFile}: frase segreta sbagliata, oppure il file è stato modificato (controlla la frase segreta che ti hanno dato)\n`,
    en: () => `sincro: init --enroll ${enrollFile}: wrong passphrase, or the file was altered (check the passphrase you were given)\n`,
    notWritten: () => at("ag.db"),
  },
  {
    name: "init --enroll with no passphrase at all",
    args: () => ["--db", at("ag.db"), "init", "--enroll", enrollFile],
    env: { SINCRO_PASSPHRASE: "" },
    status: 1,
    it: () => "sincro: nessuna frase segreta: scrivila quando viene chiesta, oppure imposta SINCRO_PASSPHRASE\n",
    en: () => "sincro: no passphrase given: type it when asked, or set SINCRO_PASSPHRASE\n",
    notWritten: () => at("ag.db"),
  },
  {
    name: "init --enroll with the office's key backup instead of an enrollment file",
    args: () => ["--db", at("ag.db"), "init", "--enroll", keyFile],
    status: 1,
    it: () => `sincro: init --enroll ${keyFile}: non è un file di abilitazione di sincro (chiedi alla sede il file scritto da "sincro agent enroll")\n`,
    en: () => `sincro: init --enroll ${keyFile}: not a sincro enrollment file (ask the office for the file written by "sincro agent enroll")\n`,
    notWritten: () => at("ag.db"),
  },
  {
    name: "key backup over an existing file",
    args: () => ["--db", sede, "key", "backup", "--out", keyFile],
    status: 1,
    it: () => `sincro: key backup: ${keyFile} esiste già; scegli un altro --out oppure toglilo\n`,
    en: () => `sincro: key backup: ${keyFile} already exists; choose another --out or remove it\n`,
  },
  {
    name: "backup into a folder that does not exist",
    args: () => ["--db", sede, "backup", "--out", at("nowhere/sede-copy.db")],
    status: 1,
    it: () => `sincro: backup ${at("nowhere/sede-copy.db")}: non si riesce a scrivere lì: la cartella non esiste\n`,
    en: () => `sincro: backup ${at("nowhere/sede-copy.db")}: cannot write there: the folder does not exist\n`,
    notWritten: () => at("nowhere"),
  },
  {
    name: "config set of a key that does not exist",
    args: () => ["--db", sede, "config", "set", "colour", "blue"],
    status: 1,
    it: () => expect.stringMatching(/^sincro: l'impostazione "colour" non esiste; quelle che esistono sono: transport, ftp\.host, .*, skew\.hours\n$/) as unknown as string,
    en: () => expect.stringMatching(/^sincro: config key "colour" does not exist; known keys: transport, ftp\.host, .*, skew\.hours\n$/) as unknown as string,
  },
  {
    name: "config set of a bad port",
    args: () => ["--db", sede, "config", "set", "ftp.port", "99999"],
    status: 1,
    it: () => 'sincro: config ftp.port "99999": deve essere un numero di porta da 1 a 65535\n',
    en: () => 'sincro: config ftp.port "99999" must be a port number from 1 to 65535\n',
  },
  {
    name: "an unknown kind to export (a usage error)",
    args: () => ["--db", sede, "export", "clienti", "--out", at("clienti.csv")],
    status: 2,
    it: () => "sincro: export clienti: tipo sconosciuto; i tipi sono: products, prices, customers, special-prices, orders, log\n",
    en: () => "sincro: export clienti: unknown kind; known kinds: products, prices, customers, special-prices, orders, log\n",
    notWritten: () => at("clienti.csv"),
  },
  {
    name: "audit --until that is not a point in time (a usage error)",
    args: () => ["--db", sede, "audit", "--until", "ieri"],
    status: 2,
    it: () => "sincro: audit --until ieri: ci vuole una data o data e ora (2026-03-02, 2026-03-02T10:30Z) oppure ORIGINE:NUMERO (AG01:42)\n",
    en: () => "sincro: audit --until ieri: expected an ISO date or date-time (2026-03-02, 2026-03-02T10:30Z) or ORIGIN:SEQ (AG01:42)\n",
  },
  {
    name: "an unknown option (commander's usage error)",
    args: () => ["--db", sede, "agent", "list", "--colour"],
    status: 2,
    it: () => expect.stringMatching(/^errore: opzione sconosciuta '--colour'\n\nUso: sincro agent list \[options\]\n/) as unknown as string,
    en: () => expect.stringMatching(/^error: unknown option '--colour'\n\nUsage: sincro agent list \[options\]\n/) as unknown as string,
  },
];

describe("refusals in both languages, asserted whole", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const before = files();
      for (const lang of ["it", "en"] as const) {
        const r = sincro(["--lang", lang, ...c.args()], { ...PASSPHRASE, ...c.env });
        expect(r.status, r.stderr).toBe(c.status);
        expect(r.stdout).toBe("");
        expect(r.stderr).toEqual(lang === "it" ? c.it() : c.en());
      }
      if (c.notWritten) expect(existsSync(c.notWritten())).toBe(false);
      expect(files()).toEqual(before);
    });
  }
});

describe("with --json, a refusal is one JSON object on stderr, in the user's language", () => {
  it("audit --html into a folder that does not exist: code, message and the refused field", () => {
    const file = at("nowhere/report.html");
    const r = sincro(["--lang", "it", "--db", sede, "audit", "--json", "--html", file]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.endsWith("\n")).toBe(true);
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(JSON.parse(r.stderr)).toEqual({
      code: "CANNOT_WRITE",
      field: "html",
      message: `audit --html ${file}: non si riesce a scrivere lì: la cartella non esiste`,
    });
    expect(existsSync(at("nowhere"))).toBe(false);
  });

  it("an unknown kind to import: a usage error, exit 2, no field", () => {
    const csv = at("clienti.csv");
    writeFileSync(csv, "codice;ragione sociale\n");
    try {
      const r = sincro(["--lang", "it", "--db", sede, "import", "clienti", csv, "--json"]);
      expect(r.status).toBe(2);
      expect(JSON.parse(r.stderr)).toEqual({ code: "USAGE", message: "import clienti: tipo sconosciuto; i tipi sono: products, prices, customers, special-prices" });
    } finally {
      rmSync(csv);
    }
  });

  it("an unknown option: commander's usage error in Italian, held back from the JSON", () => {
    const r = sincro(["--lang", "it", "--db", sede, "agent", "list", "--json", "--colour"]);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stderr)).toEqual({ code: "USAGE", message: "opzione sconosciuta '--colour'" });
  });
});
