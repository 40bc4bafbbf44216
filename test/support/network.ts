import { join } from "node:path";
import type { Command } from "../../src/events/commands.js";
import { SincroNode } from "../../src/node/sincroNode.js";
import { startEmbeddedFtpServer, type EmbeddedFtpServer } from "../../src/ship/transports/embeddedFtpServer.js";
import { FolderTransport } from "../../src/ship/transports/folderTransport.js";
import { FtpTransport } from "../../src/ship/transports/ftpTransport.js";
import { sync, type SyncOptions, type SyncReport } from "../../src/ship/sync.js";
import type { Transport } from "../../src/ship/transports/transport.js";
import { ParkingTrust } from "../../src/ship/parkingTrust.js";
import { mkdirSync, readFileSync } from "node:fs";
import { enroll, makeNode, steppingClock } from "./nodes.js";
import { withServerClock } from "./serverClock.js";

/** A parking area the tests can reach both through a transport and on the local disk. */
export interface ParkingArea {
  name: string;
  /** Local folder holding the parking area's files (to corrupt or inspect them). */
  root: string;
  /** A fresh transport (one sync, one connection). */
  open(): Transport;
  stop(): Promise<void>;
}

/** A parking area in a local folder, with its two root folders made (as "sincro parking check" leaves it). */
export function folderArea(root: string): ParkingArea {
  for (const folder of ["SincroAg", "SincroSede"]) mkdirSync(join(root, folder), { recursive: true });
  return { name: "folder", root, open: () => new FolderTransport(root), stop: async () => {} };
}

export async function embeddedFtpArea(): Promise<ParkingArea> {
  const server: EmbeddedFtpServer = await startEmbeddedFtpServer();
  return {
    name: "ftp (embedded ftp-srv)",
    root: server.root,
    open: () => new FtpTransport({ host: server.host, port: server.port, user: server.user, password: server.password, dir: "/" }),
    stop: () => server.stop(),
  };
}

/** A sede and agents on their own SQLite files, with one shared stepping clock. */
export class Network {
  sede: SincroNode;
  readonly agents = new Map<string, SincroNode>();
  readonly clock = steppingClock();
  /** Connections each sync may open to the parking area (undefined: only its own transport). */
  connections: number | undefined;

  constructor(
    readonly dir: string,
    readonly area: ParkingArea,
    agentCodes: string[] = [],
  ) {
    this.sede = makeNode(dir, "sede", { role: "sede" }, this.clock.now);
    for (const code of agentCodes) {
      const agent = makeNode(dir, code, { role: "agent", agent: code }, this.clock.now);
      enroll(this.sede, agent);
      this.agents.set(code, agent);
    }
  }

  /** Drops a node's process state and reopens its database from the file, as after a crash. */
  reopen(node: SincroNode): SincroNode {
    const file = node.db.name;
    node.close();
    const fresh = SincroNode.open(file, { now: this.clock.now });
    if (node.id === "SEDE") this.sede = fresh;
    else this.agents.set(node.id, fresh);
    return fresh;
  }

  agent(code: string): SincroNode {
    const a = this.agents.get(code);
    if (!a) throw new Error(`no agent ${code} in this network`);
    return a;
  }

  private rootsMade = false;

  /** A transport to the area, whose server stamps what it receives by this network's clock (serverClock.ts). */
  open(): Transport {
    return withServerClock(this.area.open(), this.clock.peek, this.area.root === "" ? undefined : this.area.root);
  }

  async sync(node: SincroNode, options?: SyncOptions): Promise<SyncReport> {
    const transport = this.open();
    const parallel = this.connections === undefined ? {} : { connections: this.connections, openTransport: () => this.open() };
    try {
      if (!this.rootsMade) {
        // What "sincro parking check" does at the office before the first sync.
        await transport.ensureDir("SincroAg");
        await transport.ensureDir("SincroSede");
        this.rootsMade = true;
      }
      return await sync(node, transport, { ...parallel, ...options });
    } finally {
      await transport.close();
    }
  }

  /** Syncs the sede, then each agent, then the sede again. */
  async round(): Promise<void> {
    await this.sync(this.sede);
    for (const a of this.agents.values()) await this.sync(a);
    await this.sync(this.sede);
  }

  file(...parts: string[]): string {
    return join(this.area.root, ...parts);
  }

  /** The content of a parked file (path relative to the parking area) as `reader` opens it: signature checked, decrypted. */
  opened(reader: SincroNode, path: string): Buffer {
    return new ParkingTrust(reader).open(path, readFileSync(join(this.area.root, path)));
  }
}

export function exec(node: SincroNode, ...commands: Command[]): string[] {
  return commands.map((c) => node.execute(c).decision.assigned ?? "");
}

/**
 * A sede with agent AG01 registered and product P001 at 8.90 on list BASE, both nodes on real
 * files in `dir`, syncing through a folder parking area. Nothing has synced yet.
 */
export function officeWithAgentAG01(dir: string): Network {
  const net = new Network(dir, folderArea(join(dir, "park")), ["AG01"]);
  exec(
    net.sede,
    { kind: "RegisterAgent", code: "AG01", name: "Mario" },
    { kind: "AddProduct", code: "P001", description: "Olio" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
  );
  return net;
}
