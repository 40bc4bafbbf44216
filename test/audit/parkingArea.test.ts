import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { describe, expect, it, onTestFinished } from "vitest";
import { auditParkingArea, discoverStreams } from "../../src/audit/auditSources.js";
import { ParkingTrust } from "../../src/ship/parkingTrust.js";
import { sealBox } from "../../src/wire/box.js";
import type { SincroNode } from "../../src/node/sincroNode.js";
import type { AuditReport } from "../../src/audit/auditRun.js";
import type { TransportName } from "../../src/node/config.js";
import { encodeFile } from "../../src/wire/segmentCodec.js";
import { startEmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import { TRANSPORTS } from "../../src/ship/transports/registry.js";
import { exec, folderArea, Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";
import { said } from "./said.js";

/** A parking area as `sincro audit --<kind> <location>` names it. */
interface ParkingTarget {
  kind: TransportName;
  location: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * A parking area holding several segments of the catalogue stream (AG02 synced once, then never
 * again, so nothing it has not acknowledged is pruned) and of AG01's stream (the sede has not
 * synced since AG01's last three syncs).
 */
async function parkedNetwork(): Promise<{ net: Network; target: ParkingTarget }> {
  const dir = tempDir();
  const root = join(dir, "park");
  const net = new Network(dir, folderArea(root), ["AG01", "AG02"]);
  exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "RegisterAgent", code: "AG02", name: "Anna" });
  exec(net.sede, { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" }, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" });
  exec(net.sede, { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE" });
  await net.round();
  for (let i = 2; i <= 5; i++) {
    exec(net.sede, { kind: "AddProduct", code: `P00${i}`, description: `Prodotto ${i}`, vat: "22" });
    await net.sync(net.sede);
    await net.sync(net.agent("AG01"));
  }
  for (let i = 1; i <= 3; i++) {
    exec(net.agent("AG01"), { kind: "AddCustomer", name: `Cliente ${i}`, list: "BASE" });
    await net.sync(net.agent("AG01"));
  }
  return { net, target: { kind: "folder", location: root } };
}

/** Audits with the sede's keys (as `audit --db sede.db`), or with none. */
async function audit(target: ParkingTarget, keysOf?: SincroNode): Promise<AuditReport> {
  const transport = TRANSPORTS[target.kind].location.open(target.location, target.env ?? {}, `audit --${target.kind}`);
  const trust = keysOf && new ParkingTrust(keysOf);
  try {
    return said(await auditParkingArea(transport, await discoverStreams(transport), trust ? { open: (p, b) => trust.open(p, b) } : {}));
  } finally {
    await transport.close();
  }
}

const violations = (r: AuditReport) => r.findings.filter((f) => f.severity === "violation").map((f) => ({ kind: f.kind, file: f.file }));
const seg = (n: number) => `${String(n).padStart(10, "0")}.seg`;
const ALL = "SincroSede/_ALL";

const rel = (net: Network, file: string) => file.slice(net.area.root.length + 1).split(sep).join("/");

/** The lines of a parked segment as the sede opens it (header, events, trailer). */
function segLines(net: Network, file: string): string[] {
  return gunzipSync(net.opened(net.sede, rel(net, file))).toString("utf8").split("\n").slice(0, -1);
}

/**
 * Writes `inner` at `file`, signed with the sede's own key: what a faulty (or compromised) office
 * would publish. The signature holds, so the audit's checks of the content are what must object.
 */
function writeAsSede(net: Network, file: string, inner: Buffer): void {
  writeFileSync(file, new ParkingTrust(net.sede).seal(rel(net, file), inner));
}

describe("audit of a parking area (real segments from nodes syncing through a folder)", () => {
  it("an intact parking area holds; pruned segments make the first present one's prev information", async () => {
    const { target, net } = await parkedNetwork();
    const r = await audit(target, net.sede);
    expect(violations(r)).toEqual([]);
    expect(r.ok).toBe(true);
    const all = r.parking?.streams.find((s) => s.stream === "SEDE>*");
    expect(all?.segments).toBeGreaterThanOrEqual(4);
    expect(r.parking?.streams.find((s) => s.stream === "AG01>SEDE")?.segments).toBe(3);
    expect(r.events).toBeGreaterThanOrEqual(7);
  });

  it("a corrupted segment (a byte of the gzip flipped) is named and rejected whole", async () => {
    const { target, net } = await parkedNetwork();
    const file = net.file(ALL, seg(3));
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0x55;
    writeFileSync(file, bytes);
    const r = await audit(target, net.sede);
    expect(violations(r)).toContainEqual({ kind: "forged", file: `${ALL}/${seg(3)}` });
    expect(r.ok).toBe(false);
  });

  it("an event changed under an unchanged trailer: the trailer hash no longer matches", async () => {
    const { target, net } = await parkedNetwork();
    const file = net.file(ALL, seg(4));
    const lines = segLines(net, file);
    lines[1] = (lines[1] as string).replace("Prodotto", "Prodotta");
    // Still gzip, so the trailer check is what fails.
    writeAsSede(net, file, gzipSync(Buffer.from(lines.join("\n") + "\n")));
    const r = await audit(target, net.sede);
    const f = r.findings.find((x) => x.file === `${ALL}/${seg(4)}`);
    expect(f?.kind).toBe("corrupt");
    expect(f?.detail).toContain("does not match its trailer hash");
  });

  it("an event changed and the trailer recomputed: the event's own hash names it altered", async () => {
    const { target, net } = await parkedNetwork();
    const file = net.file(ALL, seg(4));
    const lines = segLines(net, file);
    const header = JSON.parse(lines[0] as string) as object;
    const events = lines.slice(1, -1).map((l) => JSON.parse(l.replace("Prodotto", "Prodotta")) as object);
    writeAsSede(net, file, encodeFile(header, events).bytes);
    const r = await audit(target, net.sede);
    expect(violations(r)).toEqual([{ kind: "altered", file: `${ALL}/${seg(4)}` }]);
    expect(r.findings.find((f) => f.kind === "altered")?.detail).toMatch(/origin SEDE, seq \d+/);
  });

  it("a segment re-made with another prev breaks the segment chain", async () => {
    const { target, net } = await parkedNetwork();
    const file = net.file(ALL, seg(4));
    const lines = segLines(net, file);
    const header = { ...(JSON.parse(lines[0] as string) as Record<string, unknown>), prev: "0".repeat(64) };
    writeAsSede(net, file, encodeFile(header, lines.slice(1, -1).map((l) => JSON.parse(l) as object)).bytes);
    const r = await audit(target, net.sede);
    expect(violations(r)).toEqual(
      expect.arrayContaining([{ kind: "broken-chain", file: `${ALL}/${seg(4)}` }, { kind: "broken-chain", file: `${ALL}/${seg(5)}` }]),
    );
  });

  it("a segment missing between two present ones is a violation; one pruned from the start is not", async () => {
    const { target, net } = await parkedNetwork();
    rmSync(net.file(ALL, seg(3)));
    const r = await audit(target, net.sede);
    expect(violations(r)).toEqual([{ kind: "missing", file: `${ALL}/${seg(3)}` }]);
    const { target: t2, net: n2 } = await parkedNetwork();
    const first = n2.file("SincroAg", "AG01", seg(1));
    rmSync(first);
    const r2 = await audit(t2, n2.sede);
    expect(violations(r2)).toEqual([]);
    expect(r2.findings.find((f) => f.file === `SincroAg/AG01/${seg(2)}`)?.kind).toBe("unverifiable");
  });
});

describe("audit of signed files", () => {
  it("a segment signed with any key but the sede's is forged; without keys the files are unverifiable, not violations", async () => {
    const { target, net } = await parkedNetwork();
    const file = net.file(ALL, seg(4));
    const inner = net.opened(net.sede, `${ALL}/${seg(4)}`);
    // An enrolled agent signs a catalogue segment claiming to be the sede.
    writeFileSync(file, sealBox(`${ALL}/${seg(4)}`, inner, "SEDE", net.agent("AG01").keyring.own()!, []));
    const r = await audit(target, net.sede);
    expect(violations(r)).toEqual([{ kind: "forged", file: `${ALL}/${seg(4)}` }]);
    expect(r.findings.find((f) => f.kind === "forged")?.detail).toContain("not a key trusted for SEDE");
    const blind = await audit(target);
    expect(violations(blind)).toEqual([]);
    expect(blind.findings.filter((f) => f.kind === "unverifiable" && /audit with the sede's database/.test(f.detail)).length).toBeGreaterThan(4);
  });
});

describe("audit of a parking area on an FTP server (embedded ftp-srv)", () => {
  // In-process: the embedded server runs on this process's event loop, so not through spawnSync.
  it("lists the stream folders over FTP, verifies them and finds a corrupted segment", async () => {
    const dir = tempDir();
    const server = await startEmbeddedFtpServer();
    onTestFinished(() => server.stop());
    const area = {
      name: "embedded ftp",
      root: server.root,
      open: () => new FtpTransport({ host: server.host, port: server.port, user: server.user, password: server.password, dir: "/" }),
      stop: () => server.stop(),
    };
    const net = new Network(dir, area, ["AG01"]);
    exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" }, { kind: "AddProduct", code: "P001", description: "Olio", vat: "4" });
    await net.round();
    exec(net.sede, { kind: "AddProduct", code: "P002", description: "Pasta", vat: "4" });
    await net.sync(net.sede);
    const target: ParkingTarget = {
      kind: "ftp",
      location: `ftp://${encodeURIComponent(server.user)}@${server.host}:${server.port}/`,
      env: { SINCRO_FTP_PASSWORD: server.password },
    };
    const report = await audit(target, net.sede);
    expect(violations(report)).toEqual([]);
    expect(report.source.path).not.toContain(server.password);
    expect(report.parking?.streams.map((s) => s.stream)).toEqual(["SEDE>AG01", "SEDE>*", "AG01>SEDE"]);
    expect(report.parking?.streams.find((s) => s.stream === "SEDE>*")?.segments).toBeGreaterThan(0);
    const file = readdirSync(net.file(ALL)).find((n) => n.endsWith(".seg")) as string;
    writeFileSync(net.file(ALL, file), Buffer.from("not gzip"));
    const bad = await audit(target, net.sede);
    expect(violations(bad)).toEqual([{ kind: "forged", file: `${ALL}/${file}` }]);
  });
});
