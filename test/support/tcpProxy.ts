// A real TCP proxy on 127.0.0.1 between an FTP client and an FTP server that can cut a data
// connection after N bytes, as a dropped line or a NAT box killing the session would.
//
// FTP passive data connections go to the address the server announces in its PASV/EPSV reply,
// so the control connection is parsed line by line and every 227/229 reply is rewritten to a
// one-shot data listener of the proxy, which connects on to the port the server announced. A
// cut sends TCP RST both ways (never a clean FIN, which a server would take for the end of an
// upload): the partial bytes before it reach the other side, the transfer fails on both.
//
// With `protocol: "tcp"` (SSH/SFTP: one connection carries everything) each client connection is
// forwarded as it is, and a cut counts the bytes of the whole connection in its direction.
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

export type CutDirection = "upload" | "download";

export interface CutPlan {
  /** Upload: client → server bytes of a data connection; download: server → client. */
  direction: CutDirection;
  /** How many data connections carrying bytes in that direction pass untouched first. */
  skip: number;
  /** Bytes forwarded on the victim connection before it is cut. */
  afterBytes: number;
}

export class FtpCuttingProxy {
  readonly host = "127.0.0.1";
  port = 0;
  private control!: Server;
  private readonly sockets = new Set<Socket>();
  private readonly dataServers = new Set<Server>();
  private plan: (CutPlan & { fired: boolean }) | undefined;
  private accepted = 0;
  /** Data connections cut so far, per direction. */
  readonly cuts = { upload: 0, download: 0 };

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }, options: { protocol?: "ftp" | "tcp" } = {}): Promise<FtpCuttingProxy> {
    const proxy = new FtpCuttingProxy(target);
    proxy.control =
      options.protocol === "tcp"
        ? createServer({ pauseOnConnect: true }, (client) => proxy.forward(client, target.port))
        : createServer((client) => proxy.onControl(client));
    await new Promise<void>((done) => proxy.control.listen(0, proxy.host, done));
    proxy.port = (proxy.control.address() as AddressInfo).port;
    return proxy;
  }

  /** Arms one cut; it fires on the matching data connection, at most once. */
  arm(plan: CutPlan): void {
    this.plan = { ...plan, fired: false };
  }

  /** Disarms; tells whether the armed cut fired. */
  disarm(): boolean {
    const fired = this.plan?.fired ?? false;
    this.plan = undefined;
    return fired;
  }

  /** Connections accepted so far (client side). */
  get connections(): number {
    return this.accepted;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const d of this.dataServers) d.close();
    await new Promise<void>((done) => this.control.close(() => done()));
  }

  private track(s: Socket): Socket {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => undefined);
    return s;
  }

  private onControl(client: Socket): void {
    this.track(client);
    const upstream = this.track(connect(this.target.port, this.target.host));
    client.on("data", (d: Buffer) => upstream.write(d));
    let pending = "";
    let chain = Promise.resolve();
    upstream.on("data", (d: Buffer) => {
      pending += d.toString("latin1");
      for (let i = pending.indexOf("\n"); i >= 0; i = pending.indexOf("\n")) {
        const line = pending.slice(0, i + 1);
        pending = pending.slice(i + 1);
        // Replies keep their order: a PASV rewrite waits for its listener before it is sent.
        chain = chain
          .then(() => this.rewrite(line))
          .then((out) => {
            if (!client.destroyed) client.write(Buffer.from(out, "latin1"));
          });
      }
    });
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => {
      void chain.then(() => client.end());
    });
  }

  private async rewrite(line: string): Promise<string> {
    const epsv = /^229 (.*)\(\|\|\|(\d+)\|\)/.exec(line);
    if (epsv) {
      const port = await this.openData(Number(epsv[2]));
      return line.replace(/\(\|\|\|\d+\|\)/, `(|||${port}|)`);
    }
    const pasv = /^227 .*\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(line);
    if (pasv) {
      const port = await this.openData(Number(pasv[5]) * 256 + Number(pasv[6]));
      return line.replace(/\(\d+,\d+,\d+,\d+,\d+,\d+\)/, `(127,0,0,1,${port >> 8},${port & 255})`);
    }
    return line;
  }

  private async openData(serverPort: number): Promise<number> {
    const listener = createServer({ pauseOnConnect: true }, (client) => {
      listener.close();
      this.dataServers.delete(listener);
      this.forward(client, serverPort);
    });
    this.dataServers.add(listener);
    await new Promise<void>((done) => listener.listen(0, this.host, done));
    return (listener.address() as AddressInfo).port;
  }

  // Connects a (paused) client to `serverPort` and passes bytes both ways, cutting as planned.
  private forward(client: Socket, serverPort: number): void {
    this.accepted++;
    this.track(client);
    const upstream = this.track(connect(serverPort, this.target.host));
    upstream.once("connect", () => client.resume());
    this.wire(client, upstream);
  }

  private wire(client: Socket, upstream: Socket): void {
    let cut = false;
    const roles = new Set<CutDirection>();
    let victim: CutDirection | undefined;
    let limit = 0;
    let forwarded = 0;
    // A reset asked for right after a write goes out as a plain FIN (Node 20), which a peer
    // takes for a complete transfer; a few milliseconds later it is a real RST.
    const cutBoth = () => {
      cut = true;
      setTimeout(() => {
        for (const s of [client, upstream]) if (!s.destroyed) s.resetAndDestroy();
      }, 5);
    };
    const pass = (from: Socket, to: Socket, direction: CutDirection) => {
      from.on("data", (chunk: Buffer) => {
        if (cut) return;
        if (!roles.has(direction)) {
          roles.add(direction);
          const plan = this.plan;
          if (plan && !plan.fired && plan.direction === direction) {
            if (plan.skip === 0) {
              plan.fired = true;
              victim = direction;
              limit = plan.afterBytes;
              this.cuts[direction]++;
            } else plan.skip--;
          }
        }
        if (victim === direction && forwarded + chunk.length > limit) {
          const keep = Math.max(0, limit - forwarded);
          forwarded += keep;
          if (keep > 0) to.write(chunk.subarray(0, keep));
          cutBoth();
          return;
        }
        forwarded += victim === direction ? chunk.length : 0;
        to.write(chunk);
      });
      from.on("end", () => {
        if (!cut) to.end();
      });
    };
    pass(client, upstream, "upload");
    pass(upstream, client, "download");
    client.on("close", () => {
      if (!cut) upstream.destroy();
    });
    upstream.on("close", () => {
      if (!cut) client.end();
    });
  }
}

/**
 * A plain TCP proxy on 127.0.0.1 for a protocol with one connection per exchange (HTTP): while
 * armed, a client connection is reset both ways (RST, never a clean FIN) once it has forwarded
 * `afterBytes` bytes to the server, as a line cut in the middle of an upload.
 */
export class UploadCuttingProxy {
  readonly host = "127.0.0.1";
  port = 0;
  /** Connections cut so far. */
  cuts = 0;
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private afterBytes: number | undefined;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<UploadCuttingProxy> {
    const proxy = new UploadCuttingProxy(target);
    proxy.server = createServer({ pauseOnConnect: true }, (client) => proxy.onConnection(client));
    await new Promise<void>((done) => proxy.server.listen(0, proxy.host, done));
    proxy.port = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  /** Cuts every later connection after `afterBytes` bytes from the client; `undefined` disarms. */
  cutAfter(afterBytes: number | undefined): void {
    this.afterBytes = afterBytes;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }

  private track(s: Socket): Socket {
    this.sockets.add(s);
    s.on("close", () => this.sockets.delete(s));
    s.on("error", () => undefined);
    return s;
  }

  private onConnection(client: Socket): void {
    this.track(client);
    const upstream = this.track(connect(this.target.port, this.target.host));
    upstream.once("connect", () => client.resume());
    const limit = this.afterBytes;
    let forwarded = 0;
    let cut = false;
    client.on("data", (chunk: Buffer) => {
      if (cut) return;
      if (limit !== undefined && forwarded + chunk.length > limit) {
        const keep = Math.max(0, limit - forwarded);
        if (keep > 0) upstream.write(chunk.subarray(0, keep));
        cut = true;
        this.cuts++;
        // As in FtpCuttingProxy: a reset right after a write would go out as a plain FIN.
        setTimeout(() => {
          for (const s of [client, upstream]) if (!s.destroyed) s.resetAndDestroy();
        }, 5);
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => {
      if (!cut) client.write(chunk);
    });
    client.on("end", () => {
      if (!cut) upstream.end();
    });
    upstream.on("end", () => {
      if (!cut) client.end();
    });
    client.on("close", () => {
      if (!cut) upstream.destroy();
    });
    upstream.on("close", () => {
      if (!cut) client.destroy();
    });
  }
}
