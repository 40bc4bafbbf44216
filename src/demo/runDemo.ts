import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Command } from "../events/commands.js";
import { SincroNode } from "../node/sincroNode.js";
import { startEmbeddedFtpServer } from "../ship/transports/embeddedFtpServer.js";
import { FtpTransport, ftpOptionsFromConfig } from "../ship/transports/ftpTransport.js";
import { sync, type SyncReport } from "../ship/sync.js";
import { transportFromConfig } from "../ship/transports/transportFromConfig.js";
import { checkParkingArea } from "../ship/transports/parkingCheck.js";
import { decodeEnrollmentFile, encodeEnrollmentFile, generatePassphrase } from "../node/enrollment.js";
import { sealBox } from "../wire/box.js";
import { generateKeys } from "../wire/keys.js";
import { encodeSegment } from "../wire/segmentCodec.js";
import { sealEnvelope } from "../events/envelope.js";
import { Inbox } from "../ship/inbox.js";
import { Translator } from "../i18n/translator.js";
import { SincroError } from "../errors.js";

/** One rule of sincro (what is shared with whom, what wins, what shipping guarantees) and whether it held on every node, in the language of `t`. */
export interface DemoCheck {
  rule: string;
  held: boolean;
  detail: string;
}

/** An FTP transport whose first upload dies halfway, as when the line drops mid-transfer. */
class DroppingFtpTransport extends FtpTransport {
  private dropped = false;
  protected override uploadSource(bytes: Buffer): Readable {
    if (this.dropped) return super.uploadSource(bytes);
    this.dropped = true;
    let sent = false;
    return new Readable({
      read() {
        if (sent) this.destroy(new Error("connection dropped mid-transfer (demo)"));
        else {
          sent = true;
          this.push(bytes.subarray(0, bytes.length >> 1));
        }
      },
    });
  }
}

const AGENTS = ["AG01", "AG02", "AG03"] as const;

/**
 * `npm run demo`: an embedded FTP server on 127.0.0.1, a sede and three agents on their own
 * SQLite files, and a realistic day of work with several sync rounds and a dropped connection.
 * Returns one check per rule; the caller prints them and exits 0 only if all held.
 */
export async function runDemo(say: (line: string) => void, t: Translator = new Translator("en")): Promise<DemoCheck[]> {
  const dir = mkdtempSync(join(tmpdir(), "sincro-demo-"));
  const server = await startEmbeddedFtpServer({ root: join(dir, "ftp") });
  const checks: DemoCheck[] = [];
  const check = (rule: string, held: boolean, detail: string) => checks.push({ rule, held, detail });
  const nodes: SincroNode[] = [];
  try {
    say(t.t("demo.ftp", { url: server.url, root: server.root }));
    const configure = (node: SincroNode) => {
      for (const [k, v] of Object.entries({ transport: "ftp", "ftp.host": server.host, "ftp.port": String(server.port), "ftp.user": server.user, "ftp.dir": "/", "ftp.secure": "false" })) {
        node.setConfig(k, v);
      }
      nodes.push(node);
      return node;
    };
    const sede = configure(SincroNode.init(join(dir, "sede.db"), { role: "sede" }));
    for (const a of AGENTS) sede.execute({ kind: "RegisterAgent", code: a, name: `Agente ${a}` });
    // Each agent's PC is set up from its enrollment file, as "agent enroll" and "init --enroll" do.
    const agents = new Map(
      AGENTS.map((a) => {
        const passphrase = generatePassphrase();
        const file = encodeEnrollmentFile(sede.enroll(a, { ...sede.configEntries().reduce((m, e) => (e.key.startsWith("ftp.") || e.key === "transport" ? { ...m, [e.key]: e.value } : m), {}), "ftp.password": server.password }), passphrase);
        const enrollment = decodeEnrollmentFile(file, passphrase, `${a}.enroll`);
        const node = SincroNode.init(join(dir, `${a}.db`), { role: "agent", enrollment });
        nodes.push(node);
        return [a, node] as const;
      }),
    );
    say(t.t("demo.enrolled", { agents: t.list(AGENTS) }));
    const ag = (code: (typeof AGENTS)[number]) => agents.get(code) as SincroNode;
    const env = { ...process.env, SINCRO_FTP_PASSWORD: server.password };
    const syncNode = async (node: SincroNode, label = ""): Promise<SyncReport> => {
      const transport = transportFromConfig(node, env);
      try {
        const r = await sync(node, transport);
        const counts = { node: node.id.padEnd(4), label, sent: r.sent.events, sentSnapshots: r.sent.snapshots, received: r.received.events, receivedSnapshots: r.received.snapshots, commands: r.commands };
        say(r.conflicts ? t.t("demo.syncConflicts", { ...counts, conflicts: r.conflicts }) : t.t("demo.sync", counts));
        return r;
      } finally {
        await transport.close();
      }
    };
    const round = async (title: string) => {
      say(title);
      await syncNode(sede);
      for (const a of agents.values()) await syncNode(a);
      await syncNode(sede);
    };
    const exec = (node: SincroNode, ...commands: Command[]) => commands.map((c) => node.execute(c).decision.assigned ?? "");

    {
      // What the office does once when it sets up the parking area: creates SincroAg and SincroSede there.
      const transport = transportFromConfig(sede, env);
      try {
        const checked = await checkParkingArea(transport);
        say(t.t(checked.ok ? "demo.parkingReady" : "demo.parkingNotUsable", { target: checked.target }));
      } finally {
        await transport.close();
      }
    }
    say(t.t("demo.say.morning"));
    const products = Array.from({ length: 40 }, (_, i) => `P${String(i + 1).padStart(3, "0")}`);
    sede.batch(() => {
      products.forEach((p, i) => {
        exec(
          sede,
          { kind: "AddProduct", code: p, description: `Articolo ${i + 1}`, vat: i % 4 === 0 ? "4" : "22" },
          { kind: "SetGenericPrice", list: "BASE", product: p, price: `${(i % 17) + 2},${String((i * 7) % 100).padStart(2, "0")}` },
          { kind: "SetGenericPrice", list: "HORECA", product: p, price: `${(i % 17) + 1}.90` },
        );
      });
    });
    const sedeCustomers = new Map<string, string[]>();
    for (const a of AGENTS) {
      sedeCustomers.set(a, exec(sede, { kind: "AddCustomer", name: `Bar di ${a}`, agent: a, list: "BASE" }, { kind: "AddCustomer", name: `Hotel di ${a}`, agent: a, list: "HORECA" }));
    }
    const [own] = exec(sede, { kind: "AddCustomer", name: "Cliente diretto", list: "BASE" });
    const bar01 = sedeCustomers.get("AG01")?.[0] as string;
    exec(sede, { kind: "SetSpecialPrice", customer: bar01, product: "P001", price: "3.50", discounts: ["5"] });

    say(t.t("demo.say.earlyAgent"));
    let refused = "";
    let said = "";
    try {
      await syncNode(ag("AG01"));
    } catch (err) {
      refused = (err as Error).message;
      const say_ = err instanceof SincroError ? err.say : undefined;
      said = (say_ && t.lookup(say_.key, say_.params)) ?? refused;
      say(t.t("demo.refusedAsExpected", { reason: said }));
    }
    check(t.t("demo.rule.firstSyncWaits"), refused.includes("run a sync at the office first"), said || t.t("demo.detail.notRefused"));

    await round(t.t("demo.round.first"));

    say(t.t("demo.say.field"));
    const agentCustomers = new Map<string, string>();
    const agentOrders = new Map<string, string[]>();
    for (const a of AGENTS) {
      const node = ag(a);
      const [c] = exec(node, { kind: "AddCustomer", name: `Nuovo cliente di ${a}`, list: "BASE", city: "Bologna" });
      agentCustomers.set(a, c as string);
      const sedeOwned = sedeCustomers.get(a)?.[1] as string;
      agentOrders.set(
        a,
        exec(
          node,
          { kind: "PlaceOrder", customer: c as string, lines: [{ product: "P002", qty: "12" }, { product: "P005", qty: "3" }] },
          { kind: "PlaceOrder", customer: sedeOwned, lines: [{ product: "P010", qty: "1.5" }, { product: "P011", qty: "6", price: "4.00" }] },
        ),
      );
    }
    const [onBehalf] = exec(sede, { kind: "PlaceOrder", customer: sedeCustomers.get("AG02")?.[0] as string, agent: "AG02", lines: [{ product: "P003", qty: "10" }] });
    say(t.t("demo.onBehalf", { order: onBehalf ?? "", agent: "AG02" }));
    // Both sides edit the same special price without seeing each other; the agent's edit is later.
    exec(sede, { kind: "SetSpecialPrice", customer: bar01, product: "P001", price: "3.40" });
    await new Promise((r) => setTimeout(r, 5));
    exec(ag("AG01"), { kind: "SetSpecialPrice", customer: bar01, product: "P001", price: "3.30", discounts: ["2"] });
    // Customer edits stay local on each side.
    exec(sede, { kind: "UpdateCustomer", code: bar01, city: "Modena" });
    exec(ag("AG01"), { kind: "UpdateCustomer", code: bar01, name: "Bar Centrale di Modena" });

    say(t.t("demo.say.drop"));
    const dropping = new DroppingFtpTransport(ftpOptionsFromConfig(ag("AG02"), env));
    let dropError = "";
    try {
      await sync(ag("AG02"), dropping);
    } catch (err) {
      dropError = (err as Error).message;
      say(`  ${dropError}`);
    } finally {
      await dropping.close();
    }
    await syncNode(ag("AG02"), t.t("demo.label.again"));

    await round(t.t("demo.round.evening"));
    await round(t.t("demo.round.quiet"));

    // The checks: each rule on every node.
    const custOf = (n: SincroNode) => n.read.listCustomers().map((c) => c.code).sort();
    const agentsOk = AGENTS.every((a) => {
      const expected = [...(sedeCustomers.get(a) ?? []), agentCustomers.get(a) as string].sort();
      return JSON.stringify(custOf(ag(a))) === JSON.stringify(expected);
    });
    check(t.t("demo.rule.ownCustomers"), agentsOk && !AGENTS.some((a) => custOf(ag(a)).includes(own as string)), AGENTS.map((a) => `${a}: ${custOf(ag(a)).length}`).join(", "));
    const sameCatalogue = AGENTS.every(
      (a) => JSON.stringify(ag(a).read.listProducts()) === JSON.stringify(sede.read.listProducts()) && JSON.stringify(ag(a).read.listPrices()) === JSON.stringify(sede.read.listPrices()),
    );
    check(t.t("demo.rule.catalogue"), sameCatalogue, t.t("demo.detail.catalogue", { products: sede.read.listProducts().length, prices: sede.read.listPrices().length }));
    const specialOk = AGENTS.every((a) => {
      const mine = new Set(custOf(ag(a)));
      const atSede = sede.read.listSpecialPrices().filter((s) => mine.has(s.customer));
      return JSON.stringify(ag(a).read.listSpecialPrices()) === JSON.stringify(atSede);
    });
    check(t.t("demo.rule.specialPrices"), specialOk, t.t("demo.detail.specialPrices", { n: sede.read.listSpecialPrices().length }));
    const received = sede.read.listOrders().filter((o) => o.origin !== "SEDE").map((o) => `${o.type}/${o.number}`).sort();
    const sent = [...agentOrders.values()].flat().sort();
    const customersAtSede = AGENTS.every((a) => sede.read.listCustomers().filter((c) => c.code === agentCustomers.get(a)).length === 1);
    check(t.t("demo.rule.exactlyOnce"), JSON.stringify(received) === JSON.stringify(sent) && customersAtSede, t.t("demo.detail.received", { n: received.length, orders: received.join(" ") }));
    check(t.t("demo.rule.onBehalf"), ag("AG02").read.listOrders().every((o) => o.origin !== "SEDE"), t.t("demo.detail.onBehalf", { order: onBehalf ?? "" }));
    const barAtSede = sede.read.listCustomers().find((c) => c.code === bar01);
    const barAtAgent = ag("AG01").read.listCustomers().find((c) => c.code === bar01);
    check(
      t.t("demo.rule.customerEdits"),
      barAtSede?.city === "Modena" && barAtSede.name === "Bar di AG01" && barAtAgent?.name === "Bar Centrale di Modena" && barAtAgent.city === null,
      t.t("demo.detail.customerEdits", { sedeName: barAtSede?.name ?? "", sedeCity: barAtSede?.city ?? "-", agentName: barAtAgent?.name ?? "", agentCity: barAtAgent?.city ?? "-" }),
    );
    const sp = (n: SincroNode) => n.read.listSpecialPrices(bar01).find((s) => s.product === "P001");
    check(
      t.t("demo.rule.mostRecentWins"),
      sp(sede)?.price === "3.30" && sp(ag("AG01"))?.price === "3.30" && sp(sede)?.origin === "AG01",
      t.t("demo.detail.mostRecent", { sede: t.money(sp(sede)?.price ?? "0"), by: sp(sede)?.origin ?? "", agent: t.money(sp(ag("AG01"))?.price ?? "0") }),
    );
    check(t.t("demo.rule.droppedConnection"), dropError !== "" && received.filter((o) => o.startsWith("AG02/")).length === 2, t.t(dropError ? "demo.detail.retried" : "demo.detail.noDrop"));
    const before = nodes.map((n) => JSON.stringify(n.digests()));
    const quiet: SyncReport[] = [];
    for (const n of nodes) quiet.push(await syncNode(n, t.t("demo.label.repeat")));
    const unchanged = quiet.every((r) => r.sent.events + r.received.events === 0) && nodes.every((n, i) => JSON.stringify(n.digests()) === before[i]);
    check(t.t("demo.rule.quietSync"), unchanged, t.t("demo.detail.quiet", { commands: quiet.map((r) => r.commands).join("/") }));
    const rebuilt = nodes.every((n) => {
      const r = n.rebuild();
      return JSON.stringify(r.before) === JSON.stringify(r.after);
    });
    check(t.t("demo.rule.rebuild"), rebuilt, t.t("demo.detail.nodes", { n: nodes.length }));
    const parked = readdirSync(server.root, { recursive: true })
      .map((f) => join(server.root, String(f)))
      .filter((f) => statSync(f).isFile());
    const secrets = ["Bar di AG01", "Hotel di AG02", "Cliente diretto", "Articolo 1", "3.50"];
    const leaks = parked.flatMap((f) => secrets.filter((t) => readFileSync(f).includes(Buffer.from(t, "utf8"))).map((t) => `${t} in ${f}`));
    check(
      t.t("demo.rule.encrypted"),
      leaks.length === 0 && parked.length > 0,
      leaks.length === 0 ? t.t("demo.detail.noLeak", { n: parked.length }) : leaks.slice(0, 3).join("; "),
    );

    say(t.t("demo.say.forge"));
    const forger = generateKeys();
    const catalogue = new Inbox(ag("AG01")).cursor("SEDE>*");
    const next = (catalogue?.segment ?? 0) + 1;
    const forgedName = `SincroSede/_ALL/${String(next).padStart(10, "0")}.seg`;
    const forgedEvent = sealEnvelope({
      id: "01JZZZZZZZZZZZZZZZZZZZZZZZ", origin: "SEDE", seq: 99_999, hlc: "9999999999999-00000-SEDE", at: new Date().toISOString(),
      type: "GenericPriceSet", v: 1, data: JSON.stringify({ json: { list: "BASE", product: "P001", price: "0.01" } }), prev: "",
    });
    const forgedSegment = encodeSegment(
      { stream: "SEDE>*", segment: next, first: (catalogue?.offset ?? 0) + 1, last: (catalogue?.offset ?? 0) + 1, producer: "SEDE", created: new Date().toISOString(), prev: catalogue?.sha256 ?? "" },
      [forgedEvent],
    ).bytes;
    writeFileSync(join(server.root, forgedName), sealBox(forgedName, forgedSegment, "SEDE", forger, []));
    const priceBefore = ag("AG01").read.listPrices().find((p) => p.list === "BASE" && p.product === "P001")?.price;
    const attacked = await syncNode(ag("AG01"), t.t("demo.label.forged"));
    const refusedForged = attacked.errors.some((e) => e.includes(forgedName));
    // The stopped folder as the sync says it, in the user's language.
    const stopped = attacked.errors[0];
    const stoppedSay = attacked.said.find((x) => x.text === stopped)?.say;
    say(`  ${stopped === undefined ? t.t("demo.noError") : ((stoppedSay && t.lookup(stoppedSay.key, stoppedSay.params)) ?? stopped)}`);
    const priceAfter = ag("AG01").read.listPrices().find((p) => p.list === "BASE" && p.product === "P001")?.price;
    check(
      t.t("demo.rule.forgery"),
      refusedForged && priceAfter === priceBefore,
      refusedForged ? t.t("demo.detail.forgeryRefused", { file: forgedName, price: t.money(priceAfter ?? "0") }) : t.t("demo.detail.forgeryAccepted"),
    );
    const segmentsLeft = readdirSync(join(server.root, "SincroAg"), { recursive: true }).filter((f) => String(f).endsWith(".seg"));
    check(t.t("demo.rule.pruned"), segmentsLeft.length === 0, t.t("demo.detail.segmentsLeft", { n: segmentsLeft.length }));
    return checks;
  } finally {
    for (const n of nodes) n.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
