import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sincro } from "../support/cli.js";
import { tempDir } from "../support/tempDir.js";

/**
 * The main commands' words, in both languages, asserted whole. Dates and times depend on when
 * the test runs: they are checked to be today's, in the local time zone, then written <date>
 * and <time>; the line with sizes and request counts is matched by its shape.
 */
interface Words {
  setLang: Record<string, string>;
  args: string[];
  agentAdded: string;
  priceSet: string;
  sedeFirstSync: string;
  agentFirstSync: string;
  agentStatusBefore: string;
  agentSends: string;
  sedeReceives: string;
  agentStatusAfter: string;
  sedeStatus: string;
  conflicts: string;
  acked: string;
  noConflicts: string;
  unknownCustomer: string;
  helpUsage: string;
  transferred: RegExp;
}

const TZ = "Europe/Rome";

const ITALIAN: Words = {
  setLang: { LANG: "it_IT.UTF-8" },
  args: [],
  agentAdded: "agente AG01 registrato\ntipo ordine AG01 definito\n",
  priceSet: "listino BASE creato\nprezzo di P001 nel listino BASE: 1.234,50 €\n",
  sedeFirstSync: "sincronizzazione di SEDE terminata alle <time>\n  inviata una copia completa dei dati per i PC che partono da zero (2 file)\n  niente di nuovo ricevuto\n",
  agentFirstSync: "sincronizzazione di AG01 terminata alle <time>\n  niente di nuovo da inviare\n  ricevuti dalla sede i dati completi (4 righe)\n",
  agentStatusBefore:
    "AG01, agente della sede\n" +
    "La sede non ha ancora confermato di aver ricevuto qualcosa da questo PC.\n" +
    "In attesa di invio alla prossima sincronizzazione: 2 ordini e 1 cliente.\n" +
    "Ultime notizie dalla sede: <date> alle <time> (la sede si era sincronizzata il <date> alle <time>).\n" +
    "Nessun nuovo conflitto.\n",
  agentSends: "sincronizzazione di AG01 terminata alle <time>\n  inviati 2 ordini e 1 cliente alla sede\n  niente di nuovo ricevuto\n",
  sedeReceives: "  ricevuti 2 ordini e 1 cliente dall'agente AG01\n",
  agentStatusAfter:
    "AG01, agente della sede\n" +
    "La sede ha i tuoi dati fino all'ordine AG01/2, confermato il <date> alle <time>.\n" +
    "Niente in attesa di invio.\n" +
    "Ultime notizie dalla sede: <date> alle <time> (la sede si era sincronizzata il <date> alle <time>).\n" +
    "1 nuovo conflitto: vedi \"sincro conflicts\".\n",
  sedeStatus: "SEDE, la sede\nAG01 Mario Rossi: ultime notizie il <date> alle <time>; oggi: 2 ordini, 1 cliente e 1 prezzo speciale.\n1 nuovo conflitto: vedi \"sincro conflicts\".\n",
  conflicts:
    "Prezzo speciale di P001 per il cliente AG01000001: cambiato da entrambe le parti.\n" +
    "  l'agente AG01 l'ha cambiato in 7,50 € il <date> alle <time>\n" +
    "  la sede l'ha cambiato in 1.007,00 € il <date> alle <time>\n" +
    "  vale la modifica della sede, la più recente\n" +
    "Segnali come visti con \"sincro conflicts --ack\".\n",
  acked: "1 conflitto segnato come visto.\n",
  noConflicts: "Nessun nuovo conflitto.\n",
  unknownCustomer: "sincro: il cliente NOPE non esiste\n",
  helpUsage: "Uso: sincro order add [options]\n\nregistra un ordine; stampa TIPO/NUMERO\n\nOpzioni:\n",
  transferred: /^ {2}trasferiti: [\d.,]+ KB inviati, [\d.,]+ KB ricevuti, \d+ richieste al server$/,
};

const ENGLISH: Words = {
  setLang: { LANG: "it_IT.UTF-8" },
  args: ["--lang", "en"],
  agentAdded: "agent AG01 registered\norder type AG01 defined\n",
  priceSet: "price list BASE created\nprice of P001 in list BASE: €1,234.50\n",
  sedeFirstSync: "sync of SEDE finished at <time>\n  sent a full copy of the data for PCs that start from it (2 files)\n  nothing new received\n",
  agentFirstSync: "sync of AG01 finished at <time>\n  nothing new to send\n  received the office's full data (4 rows)\n",
  agentStatusBefore:
    "AG01, agent of the office\n" +
    "The office has not confirmed receiving anything from this PC yet.\n" +
    "Waiting to be sent at the next sync: 2 orders and 1 customer.\n" +
    "Last news from the office: <date> at <time> (the office had synced on <date> at <time>).\n" +
    "No new conflicts.\n",
  agentSends: "sync of AG01 finished at <time>\n  sent 2 orders and 1 customer to the office\n  nothing new received\n",
  sedeReceives: "  received 2 orders and 1 customer from agent AG01\n",
  agentStatusAfter:
    "AG01, agent of the office\n" +
    "The office has your data up to order AG01/2, confirmed on <date> at <time>.\n" +
    "Nothing is waiting to be sent.\n" +
    "Last news from the office: <date> at <time> (the office had synced on <date> at <time>).\n" +
    "1 new conflict: see \"sincro conflicts\".\n",
  sedeStatus: "SEDE, the office\nAG01 Mario Rossi: last heard from on <date> at <time>; today: 2 orders, 1 customer and 1 special price.\n1 new conflict: see \"sincro conflicts\".\n",
  conflicts:
    "Special price of P001 for customer AG01000001: changed on both sides.\n" +
    "  agent AG01 changed it to €7.50 on <date> at <time>\n" +
    "  the office changed it to €1,007.00 on <date> at <time>\n" +
    "  kept: the office's change, the more recent\n" +
    "Mark them as seen with \"sincro conflicts --ack\".\n",
  acked: "1 conflict marked as seen.\n",
  noConflicts: "No new conflicts.\n",
  unknownCustomer: "sincro: customer NOPE does not exist\n",
  helpUsage: "Usage: sincro order add [options]\n\nplace an order; prints TYPE/NUMBER\n\nOptions:\n",
  transferred: /^ {2}transferred: [\d.,]+ KB sent, [\d.,]+ KB received, \d+ requests to the server$/,
};

/** Today's local date and the shapes of times, as the language writes them, replaced by <date> and <time>. */
function normalized(text: string, today: string): string {
  return text
    .split("\n")
    .filter((line) => !/^(invio|ricezione|sending|receiving) Sincro/.test(line))
    .join("\n")
    .replace(/\b(\d{2}\/\d{2}\/\d{4})\b/g, (d) => {
      expect(d).toBe(today);
      return "<date>";
    })
    .replace(/\b([01]\d|2[0-3]):[0-5]\d\b/g, "<time>");
}

describe.each([
  ["Italian, from the locale", ITALIAN],
  ["English, from --lang over an Italian locale", ENGLISH],
])("golden output in %s", (_name, w) => {
  it("a day of an agent and the office: records, syncs, status, conflicts, a refusal, help", () => {
    const dir = tempDir();
    mkdirSync(join(dir, "park"));
    const sede = join(dir, "sede.db");
    const agent = join(dir, "ag.db");
    const env = { ...w.setLang, TZ, SINCRO_PASSPHRASE: "una frase lunga" };
    const today = new Intl.DateTimeFormat("it-IT", { timeZone: TZ, day: "2-digit", month: "2-digit", year: "numeric" }).format(new Date());
    const run = (db: string, args: string[], status = 0) => {
      const r = sincro(["--db", db, ...w.args, ...args], env);
      expect(r.stderr, args.join(" ")).toBe(status === 0 ? "" : r.stderr);
      expect(r.status, `${args.join(" ")}: ${r.stderr}`).toBe(status);
      return status === 0 ? normalized(r.stdout, today) : r.stderr;
    };
    run(sede, ["init", "--role", "sede"]);
    run(sede, ["config", "set", "transport", "folder"]);
    run(sede, ["config", "set", "folder.path", join(dir, "park")]);
    run(sede, ["parking", "check"]);
    expect(run(sede, ["agent", "add", "AG01", "--name", "Mario Rossi"])).toBe(w.agentAdded);
    run(sede, ["product", "add", "P001", "--description", "Caffè in grani"]);
    expect(run(sede, ["price", "set", "--list", "BASE", "--product", "P001", "--price", "1234,5"])).toBe(w.priceSet);
    run(sede, ["agent", "enroll", "AG01", "--out", join(dir, "AG01.enroll")]);
    run(agent, ["init", "--enroll", join(dir, "AG01.enroll")]);

    expect(run(sede, ["sync"])).toMatch(new RegExp(`^${escape(w.sedeFirstSync)}`));
    const first = run(agent, ["sync"]);
    expect(first.startsWith(w.agentFirstSync), first).toBe(true);
    expect(first.split("\n")[3]).toMatch(w.transferred);

    const customer = run(agent, ["customer", "add", "--name", "Società Bar Centrale", "--list", "BASE"]).trim();
    expect(customer).toBe("AG01000001");
    expect(run(agent, ["order", "add", "--customer", customer, "--line", "P001:2"])).toBe("AG01/1\n");
    expect(run(agent, ["order", "add", "--customer", customer, "--line", "P001:1"])).toBe("AG01/2\n");
    expect(run(agent, ["status"])).toBe(w.agentStatusBefore);

    expect(run(agent, ["sync"]).startsWith(w.agentSends)).toBe(true);
    expect(run(sede, ["sync"])).toContain(w.sedeReceives);
    run(agent, ["sync"]);

    run(agent, ["special-price", "set", "--customer", customer, "--product", "P001", "--price", "7,50"]);
    run(sede, ["special-price", "set", "--customer", customer, "--product", "P001", "--price", "1007"]);
    run(agent, ["sync"]);
    run(sede, ["sync"]);
    run(agent, ["sync"]);
    expect(run(agent, ["status"])).toBe(w.agentStatusAfter);
    expect(run(sede, ["status"])).toBe(w.sedeStatus);

    expect(run(agent, ["conflicts"])).toBe(w.conflicts);
    expect(run(agent, ["conflicts", "--ack"])).toBe(w.conflicts.replace(/[^\n]*\n$/, w.acked));
    expect(run(agent, ["conflicts"])).toBe(w.noConflicts);

    expect(run(agent, ["order", "add", "--customer", "NOPE", "--line", "P001:1"], 1)).toBe(w.unknownCustomer);
    expect(run(agent, ["order", "add", "--help"]).startsWith(w.helpUsage)).toBe(true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("a refused import in Italian", () => {
  it("names line, column and the file's own header, in Italian; --json keeps the machine fields", () => {
    const dir = tempDir();
    const db = join(dir, "sede.db");
    const it = { LANG: "it_IT.UTF-8" };
    expect(sincro(["--db", db, "init", "--role", "sede"], it).status).toBe(0);
    expect(sincro(["--db", db, "product", "add", "P001", "--description", "Caffè"], it).status).toBe(0);
    const file = join(dir, "listino.csv");
    writeFileSync(file, "Listino;Articolo;Prezzo\nBASE;P001;1.234,50\nBASE;P404;2,00\n");
    const r = sincro(["--db", db, "import", "prices", file], it);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`sincro: importazione prices ${file}: 1 problema, non è stato importato niente\nimportazione prices riga 3, colonna product ("Articolo"): l'articolo P404 non esiste\n`);
    const js = sincro(["--db", db, "import", "prices", file, "--json"], it);
    expect(JSON.parse(js.stderr)).toMatchObject({ code: "IMPORT_REFUSED", field: "file", total: 1, problems: [{ line: 3, column: "product", header: "Articolo", message: "l'articolo P404 non esiste" }] });
    expect(Object.keys((JSON.parse(js.stderr) as { problems: object[] }).problems[0] as object).sort()).toEqual(["column", "header", "line", "message"]);
  });
});

describe("the language set once in the config", () => {
  it("config set lang it speaks Italian on that PC even with an English locale; --lang en overrides it", () => {
    const dir = tempDir();
    const db = join(dir, "sede.db");
    expect(sincro(["--db", db, "init", "--role", "sede"]).status).toBe(0);
    expect(sincro(["--db", db, "config", "set", "lang", "it"]).stdout).toBe("lang = it\n");
    expect(sincro(["--db", db, "product", "add", "P001", "--description", "Olio"]).stdout).toBe("articolo P001 salvato\n");
    expect(sincro(["--db", db, "--lang", "en", "product", "add", "P002", "--description", "Olio"]).stdout).toBe("product P002 saved\n");
    const usage = sincro(["--db", db, "customer", "list", "--colour"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr.startsWith("errore: opzione sconosciuta '--colour'\n\nUso: sincro customer list [options]\n")).toBe(true);
    const json = sincro(["--db", db, "statu", "--json"]);
    expect(JSON.parse(json.stderr)).toEqual({ code: "USAGE", message: "comando sconosciuto 'statu'\n(Forse intendevi status?)" });
    const bad = sincro(["--db", db, "config", "set", "lang", "fr"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe('sincro: config lang "fr": deve essere "it" oppure "en"\n');
  });
});
