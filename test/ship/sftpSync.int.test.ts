// A sede and an agent syncing through a parking area on a real OpenSSH server, each sync over its
// own SFTP connection, then the parking area audited through `--sftp URL`, as a user would.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { auditParkingArea, discoverStreams } from "../../src/audit/auditSources.js";
import { ParkingTrust } from "../../src/ship/parkingTrust.js";
import { sync } from "../../src/ship/sync.js";
import { TRANSPORTS } from "../../src/ship/transports/registry.js";
import { SftpTransport } from "../../src/ship/transports/sftpTransport.js";
import { exec, Network, type ParkingArea } from "../support/network.js";
import { withServerClock } from "../support/serverClock.js";
import { sftpOptions } from "../support/sftpFixture.js";
import { startSshd, type RunningSshServer } from "../support/sshServer.js";
import { tempDir } from "../support/tempDir.js";

function sftpArea(server: RunningSshServer, login: "key" | "password"): ParkingArea {
  return { name: `sftp (${login})`, root: server.root, open: () => new SftpTransport(sftpOptions(server, login)), stop: () => server.stop() };
}

describe("sync over SFTP (OpenSSH sshd)", () => {
  it("the catalogue reaches the agent, the agent's order reaches the sede, and the parking area audits clean", async () => {
    const server = await startSshd();
    try {
      // The sede logs in with a key, the agent with the password: both reach the same folder.
      const net = new Network(tempDir(), sftpArea(server, "key"), ["AG01"]);
      const agentArea = sftpArea(server, "password");
      const syncAgent = async () => {
        // The agent's sync measures its clock against the server's stamp: the test's clock.
        const transport = withServerClock(agentArea.open(), net.clock.peek, server.root);
        try {
          return await sync(net.agent("AG01"), transport);
        } finally {
          await transport.close();
        }
      };
      exec(
        net.sede,
        { kind: "RegisterAgent", code: "AG01", name: "Mario" },
        { kind: "AddProduct", code: "P001", description: "Olio", vat: "4" },
        { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
      );
      await net.sync(net.sede);
      await syncAgent();
      const agent = net.agent("AG01");
      expect(agent.db.prepare("SELECT code, description FROM products").all()).toEqual([{ code: "P001", description: "Olio" }]);

      const [customer] = exec(agent, { kind: "AddCustomer", name: "Bar Roma", agent: "AG01", list: "BASE" });
      exec(agent, { kind: "PlaceOrder", customer: customer as string, lines: [{ product: "P001", qty: "6" }] });
      await syncAgent();
      await net.sync(net.sede);
      expect(net.sede.db.prepare("SELECT customer, agent, origin FROM orders").all()).toEqual([{ customer, agent: "AG01", origin: "AG01" }]);
      expect((await readdir(join(server.root, "SincroAg", "AG01"))).filter((name) => name.endsWith(".seg")).length).toBeGreaterThan(0);
      expect((await readdir(join(server.root, "SincroAg", "AG01"))).filter((name) => name.endsWith(".tmp"))).toEqual([]);

      const url = `sftp://${server.user}@${server.host}:${server.port}/~?host-key=${encodeURIComponent(server.hostKey)}`;
      const transport = TRANSPORTS.sftp.location.open(url, { SINCRO_SFTP_KEY: server.privateKeyFile }, "audit --sftp");
      try {
        const trust = new ParkingTrust(net.sede);
        const report = await auditParkingArea(transport, await discoverStreams(transport), { open: (p, b) => trust.open(p, b) });
        expect(report.findings.filter((f) => f.severity === "violation")).toEqual([]);
        expect(report.parking?.streams.map((s) => s.stream)).toEqual(["SEDE>AG01", "SEDE>*", "AG01>SEDE"]);
        expect(report.parking?.streams.find((s) => s.stream === "AG01>SEDE")?.events).toBeGreaterThanOrEqual(2);
        expect(report.source.path).toBe(`sftp://sincrosftp@127.0.0.1:${server.port}/~`);
      } finally {
        await transport.close();
      }
    } finally {
      await server.stop();
    }
  });
});
