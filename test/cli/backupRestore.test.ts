import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedFtpServer, type EmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { setUpCliOffice, sincroAsync, sincroAsyncOk, type CliResult } from "../support/cli.js";

// The real binary through a real FTP server: an agent PC backed up, used on, then restored from the backup.
let server: EmbeddedFtpServer;
const dir = mkdtempSync(join(tmpdir(), "sincro-cli-backup-"));
const sede = join(dir, "sede.db");
const agent = join(dir, "agent.db");
const bak = join(dir, "agent-backup.db");

async function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return sincroAsync(args, { SINCRO_FTP_PASSWORD: server.password, ...env });
}
const ok = (args: string[], env: Record<string, string> = {}): Promise<string> => sincroAsyncOk(args, { SINCRO_FTP_PASSWORD: server.password, ...env });
const orders = async (db: string) =>
  (JSON.parse(await ok(["--db", db, "order", "list", "--json"])) as Array<{ type: string; number: number; customer: string }>).map((o) => `${o.type}/${o.number}`).sort();
const customers = async (db: string) =>
  (JSON.parse(await ok(["--db", db, "customer", "list", "--json"])) as Array<{ code: string; agent: string | null }>).filter((c) => c.agent === "AG01").map((c) => c.code).sort();

const basePrice = async (db: string) =>
  (JSON.parse(await ok(["--db", db, "price", "list", "--json"])) as Array<{ list: string; product: string; price: string }>).find((p) => p.list === "BASE" && p.product === "P001")?.price;

beforeAll(async () => {
  server = await startEmbeddedFtpServer();
  await setUpCliOffice({ server, password: server.password, sede, agents: [{ code: "AG01", db: agent }], dir });
  await ok(["--db", sede, "sync"]);
  await ok(["--db", agent, "sync"]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("backup and restore of an agent PC", () => {
  it("backup writes an owner-only copy, refuses an existing file unless --force, and says the keys are in it", async () => {
    const c1 = (await ok(["--db", agent, "customer", "add", "--name", "Bar Roma", "--list", "BASE"])).trim();
    expect((await ok(["--db", agent, "order", "add", "--customer", c1, "--line", "P001:2"])).trim()).toBe("AG01/1");
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "sync"]);
    const out = await ok(["--db", agent, "backup", "--out", bak]);
    expect(out).toContain(`saved a copy of this PC's database in ${bak}`);
    expect(out).toContain("private keys");
    expect(statSync(bak).mode & 0o777).toBe(0o600);
    const again = await run(["--db", agent, "backup", "--out", bak]);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already exists");
    expect(again.stderr).toContain("--force");
    const self = await run(["--db", agent, "backup", "--out", agent]);
    expect(self.status).toBe(1);
    expect(await ok(["--db", bak, "order", "list", "--json"])).toContain("AG01");
    await ok(["--db", agent, "backup", "--out", bak, "--force"]);
    expect(statSync(bak).mode & 0o777).toBe(0o600);
  }, 120_000);

  it("a restored backup gets its later orders and customers back from the office, numbers after them, and no fork", async () => {
    // Work after the backup, received by the office (and pruned from the server once acknowledged).
    const c2 = (await ok(["--db", agent, "customer", "add", "--name", "Bar Milano", "--list", "BASE"])).trim();
    expect((await ok(["--db", agent, "order", "add", "--customer", c2, "--line", "P001:3"])).trim()).toBe("AG01/2");
    expect((await ok(["--db", agent, "order", "add", "--customer", c2, "--line", "P001:4"])).trim()).toBe("AG01/3");
    // And the office changed a price, which the PC applied and acknowledged before its disk failed.
    await ok(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "9.50"]);
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "sync"]);
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "sync"]);
    expect(await orders(sede)).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
    expect(await basePrice(agent)).toBe("9.50");

    // The PC's disk is replaced: the backup is copied back as its database.
    for (const f of [agent, `${agent}-wal`, `${agent}-shm`]) if (existsSync(f)) rmSync(f);
    copyFileSync(bak, agent);
    expect(await orders(agent)).toEqual(["AG01/1"]);

    const first = await ok(["--db", agent, "sync"]);
    expect(first).toContain("this PC was restored from a backup");
    const refused = await run(["--db", agent, "order", "add", "--customer", c2, "--line", "P001:1"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("restored from a backup");
    // Synced again before the office did, in Italian: the same request, said whole.
    const again = await ok(["--db", agent, "--lang", "it", "sync"]);
    expect(again.split("\n").filter((l) => l.includes("ripristinato"))).toEqual([
      "  attenzione: questo PC è stato ripristinato da un backup: la sede ha i dati di AG01 fino alla modifica n. 7, questo PC solo fino alla n. 4. " +
        "È stato chiesto alla sede di rimandare quelli mancanti; da questo PC non si invia nulla finché non sono arrivati. " +
        "Sincronizza di nuovo dopo la prossima sincronizzazione della sede e, fino ad allora, non inserire nulla",
    ]);

    const atSede = await ok(["--db", sede, "sync"]);
    expect(atSede).toMatch(/sent back to agent AG01 \d+ changes recorded after change no\. \d+ \(its PC was restored from a backup\)/);
    const second = await ok(["--db", agent, "sync"]);
    expect(second).toMatch(/this PC was restored from a backup: \d+ changes recorded after the backup came back from the office; numbering goes on after change no\. \d+/);
    expect(await orders(agent)).toEqual(["AG01/1", "AG01/2", "AG01/3"]);
    expect(await customers(agent)).toEqual(["AG01000001", "AG01000002"]);
    // The office's price it had received after the backup comes again too.
    expect(await basePrice(agent)).toBe("9.50");

    // Numbering goes on after what came back; the office takes the new work as the same PC's.
    expect((await ok(["--db", agent, "order", "add", "--customer", c2, "--line", "P001:5"])).trim()).toBe("AG01/4");
    expect((await ok(["--db", agent, "customer", "add", "--name", "Bar Napoli", "--list", "BASE"])).trim()).toBe("AG01000003");
    const send = await ok(["--db", agent, "sync"]);
    expect(send).not.toContain("ERROR");
    const recv = await ok(["--db", sede, "sync"]);
    expect(recv).not.toMatch(/ERROR|Two PCs|fork/i);
    expect(await orders(sede)).toEqual(["AG01/1", "AG01/2", "AG01/3", "AG01/4"]);
    expect(await customers(sede)).toEqual(["AG01000001", "AG01000002", "AG01000003"]);
    const quiet = await ok(["--db", agent, "sync"]);
    expect(quiet).not.toMatch(/ERROR|restored/);
    const status = JSON.parse(await ok(["--db", agent, "status", "--json"])) as { streams: Array<{ stream: string; pending: number; blocked: string | null }> };
    expect(status.streams.find((s) => s.stream === "AG01>SEDE")?.pending).toBe(0);
    expect(status.streams.every((s) => s.blocked === null)).toBe(true);
  }, 240_000);

  it("a restored copy whose later upload was damaged on the server waits on it, says so in sync and status, and goes on once it is put back", async () => {
    const bak2 = join(dir, "agent-backup-2.db");
    await ok(["--db", agent, "backup", "--out", bak2]);
    const [c1] = await customers(agent);
    const placed = (await ok(["--db", agent, "order", "add", "--customer", c1 as string, "--line", "P001:6"])).trim();
    await ok(["--db", agent, "sync"]);
    // The upload is damaged on the server before the office reads it; then the PC's disk fails.
    const folder = join(server.root, "SincroAg", "AG01");
    const name = readdirSync(folder).filter((f) => f.endsWith(".seg")).sort().at(-1) as string;
    const file = join(folder, name);
    const original = readFileSync(file);
    const damaged = Buffer.from(original);
    const mid = Math.floor(damaged.length / 2);
    damaged[mid] = (original[mid] ?? 0) ^ 0xff;
    writeFileSync(file, damaged);
    for (const f of [agent, `${agent}-wal`, `${agent}-shm`]) if (existsSync(f)) rmSync(f);
    copyFileSync(bak2, agent);

    const held = await ok(["--db", agent, "sync"]);
    expect(held).toContain(`SincroAg/AG01/${name}: this PC was put back from a backup`);
    expect(held).toContain("cannot be read");
    const status = await ok(["--db", agent, "status"]);
    expect(status).toContain(`while this PC waits on SincroAg/AG01/${name} in its folder on the parking area`);
    expect((JSON.parse(await ok(["--db", agent, "status", "--json"])) as { heldOn: string[] }).heldOn).toEqual([`SincroAg/AG01/${name}`]);
    const stato = await ok(["--db", agent, "--lang", "it", "status"]);
    expect(stato).toContain(`finché questo PC aspetta SincroAg/AG01/${name} nella sua cartella`);
    const refused = await run(["--db", agent, "order", "add", "--customer", c1 as string, "--line", "P001:1"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`this PC waits on SincroAg/AG01/${name}`);
    expect(readFileSync(file).equals(damaged)).toBe(true);

    // The provider puts the file back: the copy asks the office for its work, gets it, goes on.
    writeFileSync(file, original);
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "sync"]);
    await ok(["--db", agent, "sync"]);
    expect(await orders(agent)).toContain(placed);
    expect(await orders(sede)).toContain(placed);
    expect(await ok(["--db", agent, "status"])).not.toContain("waits on");
    expect((JSON.parse(await ok(["--db", agent, "status", "--json"])) as { heldOn: string[] }).heldOn).toEqual([]);
  }, 240_000);
});

describe("backup and restore of the office PC", () => {
  it("a restored office takes back the orders received since the backup, says what it waits for, and goes on without a fork", async () => {
    const sedeBak = join(dir, "sede-backup.db");
    await ok(["--db", sede, "sync"]);
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "backup", "--out", sedeBak]);
    const before = await orders(sede);
    const [c1] = await customers(agent);
    const placed = (await ok(["--db", agent, "order", "add", "--customer", c1 as string, "--line", "P001:4"])).trim();
    await ok(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "11.00"]);
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "sync"]);
    await ok(["--db", agent, "sync"]);
    await ok(["--db", sede, "sync"]);
    expect(await orders(sede)).toEqual([...before, placed].sort());

    for (const f of [sede, `${sede}-wal`, `${sede}-shm`]) if (existsSync(f)) rmSync(f);
    copyFileSync(sedeBak, sede);
    const early = await run(["--db", sede, "--lang", "it", "price", "set", "--list", "BASE", "--product", "P001", "--price", "1.00"]);
    expect(early.status).toBe(1);
    expect(early.stderr).toContain("ripristinato da un backup: esegui \"sincro sync\"");
    const first = await ok(["--db", sede, "--lang", "it", "sync"]);
    expect(first.split("\n").filter((l) => l.includes("si aspetta ancora"))).toEqual([
      "  attenzione: database della sede ripristinato da un backup: si aspetta ancora la prossima sincronizzazione di AG01; gli ordini e i clienti ricevuti dopo il backup torneranno allora",
    ]);
    expect(await ok(["--db", sede, "--lang", "en", "status"])).toContain("still waiting for AG01 to sync");
    await ok(["--db", agent, "sync"]);
    const back = await ok(["--db", sede, "sync"]);
    expect(back).not.toContain("still waiting");
    expect(await orders(sede)).toEqual([...before, placed].sort());
    expect(await basePrice(sede)).toBe("11.00");
    await ok(["--db", sede, "price", "set", "--list", "BASE", "--product", "P001", "--price", "12.00"]);
    await ok(["--db", sede, "sync"]);
    const agentSync = await ok(["--db", agent, "sync"]);
    expect(agentSync).not.toMatch(/fork|Two PCs/i);
    expect(await basePrice(agent)).toBe("12.00");
  }, 120_000);
});
