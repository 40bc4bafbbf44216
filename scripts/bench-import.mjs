// npm run bench:import — CSV import against csv-parse alone and raw better-sqlite3 inserts, measured in the same run.
// Each phase runs in its own child process so its peak RSS (VmHWM) is its own.
// Sizes: BENCH_PRODUCTS (default 100,000), BENCH_PRICE_LISTS (default 3: prices = products × lists).
import { createReadStream, createWriteStream } from "node:fs";
import { join } from "node:path";
import { parse } from "csv-parse";
import { importCsv } from "../dist/exchange/csvImport.js";
import { SincroNode } from "../dist/node/sincroNode.js";
import { benchMain, peakRssMb, rawLogInserts, timed } from "./benchSupport.mjs";

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 100_000);
const LISTS = Number(process.env.BENCH_PRICE_LISTS ?? 3);
const PRICES = PRODUCTS * LISTS;
const CHANGED = 300;

const code = (i) => `P${String(i).padStart(7, "0")}`;
// Half the prices with a decimal comma, as Italian ERPs write them.
const price = (i, l, bump = 0) => `${((i * 7 + l) % 997) + 1 + bump}${i % 2 ? "," : "."}${String(i % 100).padStart(2, "0")}`;

async function writeLines(file, lines) {
  const out = createWriteStream(file);
  for (const line of lines) {
    if (!out.write(line)) await new Promise((ok) => out.once("drain", ok));
  }
  await new Promise((ok) => out.end(ok));
}

function* productLines() {
  yield "code;description;unit;vat\n";
  for (let i = 0; i < PRODUCTS; i++) yield `${code(i)};"Prodotto ${i}; confezione da ${(i % 12) + 1}";PZ;${i % 3 ? "22" : "4"}\n`;
}

function* priceLines(changed) {
  yield "list;product;price\n";
  for (let l = 0; l < LISTS; l++) {
    for (let i = 0; i < PRODUCTS; i++) {
      // `changed` prices spread over the file move up by 1.
      const bump = changed > 0 && (l * PRODUCTS + i) % Math.floor(PRICES / changed) === 0 ? 1 : 0;
      yield `L${l};${code(i)};"${price(i, l, bump)}"\n`;
    }
  }
}

function importPhase(dir, kind, file, init) {
  const db = join(dir, "sede.db");
  const node = init ? SincroNode.init(db, { role: "sede" }) : SincroNode.open(db);
  const r = timed(() => importCsv(node, kind, join(dir, file)));
  node.close();
  return { n: r.n.rows, events: r.n.events, seconds: r.seconds, rss: peakRssMb() };
}

const phases = {
  async generate(dir) {
    await writeLines(join(dir, "products.csv"), productLines());
    await writeLines(join(dir, "prices.csv"), priceLines(0));
    await writeLines(join(dir, "prices-changed.csv"), priceLines(CHANGED));
    return { n: PRODUCTS + PRICES, seconds: 0, rss: peakRssMb() };
  },

  // csv-parse alone, through its stream API, over the same two files.
  async parse(dir) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    for (const file of ["products.csv", "prices.csv"]) {
      for await (const record of createReadStream(join(dir, file)).pipe(parse({ delimiter: ";", bom: true, from_line: 2 }))) {
        if (record.length > 0) n++;
      }
    }
    return { n, seconds: Number(process.hrtime.bigint() - t0) / 1e9, rss: peakRssMb() };
  },

  // Raw inserts of rows shaped like the sede's own log (same table, same indexes), one transaction.
  inserts(dir) {
    return rawLogInserts(join(dir, "raw.db"), PRODUCTS + PRICES, "GenericPriceSet", { list: "L0", product: "P0000001", price: "12.50" });
  },

  importProducts: (dir) => importPhase(dir, "products", "products.csv", true),
  importPrices: (dir) => importPhase(dir, "prices", "prices.csv", false),
  reimportProducts: (dir) => importPhase(dir, "products", "products.csv", false),
  reimportPrices: (dir) => importPhase(dir, "prices", "prices.csv", false),
  changedPrices: (dir) => importPhase(dir, "prices", "prices-changed.csv", false),
};

await benchMain(import.meta.url, phases, "sincro-bench-import-", async (run, dir) => {
  console.log(`sincro bench:import — ${PRODUCTS.toLocaleString("en")} products, ${PRICES.toLocaleString("en")} prices (${LISTS} lists)\n`);
  run("generate");
  const parsed = run("parse");
  const inserts = run("inserts");
  const products = run("importProducts");
  const prices = run("importPrices");
  const reProducts = run("reimportProducts");
  const rePrices = run("reimportPrices");
  const changed = run("changedPrices");
  const sum = (a, b) => ({ n: a.n + b.n, events: a.events + b.events, seconds: a.seconds + b.seconds, rss: Math.max(a.rss, b.rss) });
  const first = sum(products, prices);
  const again = sum(reProducts, rePrices);
  const rate = (r) => r.n / r.seconds;
  const baseRate = rate(parsed);
  const verdict = (r, min) => (rate(r) >= min ? "ok" : "MISSED") + (r.rss <= 300 ? "" : " (RSS > 300 MB)");
  const rows = [
    ["csv-parse alone, stream API (baseline)", parsed, "—", "—"],
    ["raw better-sqlite3 insert of log rows, 1 transaction (baseline)", inserts, "—", "—"],
    ["import products into an empty sede", products, "≥ 20,000/s, ≤ 300 MB", verdict(products, 20_000)],
    ["import prices", prices, "≥ 20,000/s, ≤ 300 MB", verdict(prices, 20_000)],
    ["import products + prices (first import)", first, "≥ 20,000/s, ≤ 300 MB", verdict(first, 20_000)],
    ["re-import products, unchanged", reProducts, "≥ 100,000/s", verdict(reProducts, 100_000)],
    ["re-import prices, unchanged", rePrices, "≥ 100,000/s", verdict(rePrices, 100_000)],
    ["re-import products + prices, unchanged", again, "≥ 100,000/s", verdict(again, 100_000)],
    [`prices with ${CHANGED} changed`, changed, `${CHANGED} events`, changed.events === CHANGED ? "ok" : `MISSED (${changed.events} events)`],
  ];
  const fmt = (n) => Math.round(n).toLocaleString("en");
  console.log("| measurement | rows | events | seconds | rows per second | % of csv-parse | peak RSS MB | target | result |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |");
  for (const [name, r, target, result] of rows) {
    console.log(
      `| ${name} | ${fmt(r.n)} | ${r.events === undefined ? "—" : fmt(r.events)} | ${r.seconds.toFixed(2)} | ${fmt(rate(r))} | ${((100 * rate(r)) / baseRate).toFixed(0)} % | ${r.rss} | ${target} | ${result} |`,
    );
  }
}, process.execArgv);
