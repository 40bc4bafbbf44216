import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmbeddedFtpServer, type EmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { setUpCliOffice, sincroAsyncOk } from "../support/cli.js";

// Two agent PCs with the wrong date, one a day fast and one a day slow, run the real binary
// under libfaketime; the sede and the FTP server (this process) keep the right time.
const LIBFAKETIME = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1", "/usr/lib/faketime/libfaketime.so.1"].find((f) => existsSync(f));
const fast = { LD_PRELOAD: LIBFAKETIME ?? "", FAKETIME: "+1d" };
const slow = { LD_PRELOAD: LIBFAKETIME ?? "", FAKETIME: "-1d" };

let server: EmbeddedFtpServer;
const dir = mkdtempSync(join(tmpdir(), "sincro-cli-clocks-"));
const sede = join(dir, "sede.db");
const ag1 = join(dir, "ag01.db");
const ag2 = join(dir, "ag02.db");

const ok = (args: string[], env: Record<string, string> = {}): Promise<string> => sincroAsyncOk(args, { SINCRO_FTP_PASSWORD: server.password, ...env });

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Special {
  customer: string;
  product: string;
  price: string;
  hlc: string;
  origin: string;
}
async function specials(db: string, env: Record<string, string>): Promise<Special[]> {
  return JSON.parse(await ok(["--db", db, "special-price", "list", "--json"], env)) as Special[];
}

interface ClockJson {
  offsetMs: number;
  correctionMs: number;
  warning: string | null;
}
async function clockOf(db: string, env: Record<string, string>): Promise<ClockJson | null> {
  return (JSON.parse(await ok(["--db", db, "status", "--json"], env)) as { clock: ClockJson | null }).clock;
}

beforeAll(async () => {
  if (LIBFAKETIME === undefined) throw new Error("libfaketime is missing: run 'sudo bash scripts/install-test-deps.sh' (Debian package faketime)");
  // libfaketime works with Node here: a child under FAKETIME=+1d reads tomorrow.
  const probe = spawnSync(process.execPath, ["-e", "process.stdout.write(String(Date.now()))"], { env: { ...process.env, ...fast }, encoding: "utf8" });
  expect(Number(probe.stdout) - Date.now()).toBeGreaterThan(86_400_000 - 60_000);
  server = await startEmbeddedFtpServer();
  await setUpCliOffice({
    server,
    password: server.password,
    sede,
    agents: [
      { code: "AG01", db: ag1, env: fast },
      { code: "AG02", db: ag2, env: slow },
    ],
    dir,
  });
  await ok(["--db", sede, "sync"]);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("clocks a day off, through a real FTP server", () => {
  it("the PC with the wrong clock is told at its sync and in status; the sede is not", async () => {
    const first1 = await ok(["--db", ag1, "sync"], fast);
    expect(first1).toMatch(/warning: this PC's clock is 24 h ahead of the parking area's: set the PC's date and time/);
    const first2 = await ok(["--db", ag2, "sync"], slow);
    expect(first2).toMatch(/warning: this PC's clock is 24 h behind the parking area's/);
    const c1 = (await clockOf(ag1, fast)) as ClockJson;
    expect(Math.abs(c1.offsetMs + 86_400_000)).toBeLessThan(5_000);
    expect(c1.correctionMs).toBe(c1.offsetMs);
    expect(c1.warning).toContain("1 day ahead");
    const c2 = (await clockOf(ag2, slow)) as ClockJson;
    expect(Math.abs(c2.offsetMs - 86_400_000)).toBeLessThan(5_000);
    expect(c2.warning).toContain("1 day behind");
    expect(await ok(["--db", ag1, "status"], fast)).toMatch(/^warning: this PC's clock is 24 h ahead/m);
    expect(await ok(["--db", ag1, "--lang", "it", "status"], fast)).toContain(
      "attenzione: l'orologio di questo PC è avanti di 24 ore rispetto all'area di parcheggio: correggi data e ora del PC; nel frattempo sincro corregge gli orari che registra",
    );

    const atSede = await ok(["--db", sede, "sync"]);
    expect(atSede).not.toContain("clock is");
    const s = (await clockOf(sede, {})) as ClockJson;
    expect(s.warning).toBeNull();
    expect(s.correctionMs).toBe(0);
    expect(Math.abs(s.offsetMs)).toBeLessThan(120_000);
    expect(await ok(["--db", sede, "status"])).not.toContain("clock is");
  }, 120_000);

  it("the truly later special price wins on both sides, whichever PC's clock is off", async () => {
    const c1 = (await ok(["--db", ag1, "customer", "add", "--name", "Bar Roma", "--list", "BASE"], fast)).trim();
    const c2 = (await ok(["--db", ag2, "customer", "add", "--name", "Bar Milano", "--list", "BASE"], slow)).trim();
    await ok(["--db", ag1, "sync"], fast);
    await ok(["--db", ag2, "sync"], slow);
    await ok(["--db", sede, "sync"]);

    // Fast PC first, the office a little later: the office's is the later change.
    await ok(["--db", ag1, "special-price", "set", "--customer", c1, "--product", "P001", "--price", "5.00"], fast);
    // Slow PC's rival: the office first, the slow PC a little later.
    await ok(["--db", sede, "special-price", "set", "--customer", c2, "--product", "P001", "--price", "7.00"]);
    await pause(1_500);
    await ok(["--db", sede, "special-price", "set", "--customer", c1, "--product", "P001", "--price", "7.00"]);
    await ok(["--db", ag2, "special-price", "set", "--customer", c2, "--product", "P001", "--price", "9.00"], slow);

    for (let round = 0; round < 2; round++) {
      await ok(["--db", ag1, "sync"], fast);
      await ok(["--db", ag2, "sync"], slow);
      await ok(["--db", sede, "sync"]);
    }
    const want = (list: Special[]) => Object.fromEntries(list.map((p) => [p.customer, `${p.price}@${p.origin}`]));
    const expected = { [c1]: "7.00@SEDE", [c2]: "9.00@AG02" };
    expect(want(await specials(sede, {}))).toEqual(expected);
    expect(want(await specials(ag1, fast))).toEqual({ [c1]: "7.00@SEDE" });
    expect(want(await specials(ag2, slow))).toEqual({ [c2]: "9.00@AG02" });
    // The agents' events carry corrected times: none is a day off at the sede.
    const skew = (JSON.parse(await ok(["--db", sede, "status", "--json"])) as { clockSkew: unknown[] }).clockSkew;
    expect(skew).toEqual([]);
  }, 180_000);
});
