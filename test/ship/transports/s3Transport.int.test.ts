// The S3 transport on a real S3 endpoint: Debian's Ceph radosgw, one node started for this whole
// file (test/support/cephS3.ts). The shared contract suite, what only S3 has (pages, markers,
// errors), `parking check`, and the s3rver negative control (a fake S3 that ignores If-None-Match).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TransportError } from "../../../src/errors.js";
import { checkParkingArea } from "../../../src/ship/transports/parkingCheck.js";
import { agentToSede } from "../../../src/wire/streams.js";
import { S3Transport, type S3TransportOptions } from "../../../src/ship/transports/s3Transport.js";
import { startCeph, type RunningCeph } from "../../support/cephS3.js";
import { sincroAsync } from "../../support/cli.js";
import { exec, Network, type ParkingArea } from "../../support/network.js";
import { cloneKeys, makeNode } from "../../support/nodes.js";
import { ParkingTrust } from "../../../src/ship/parkingTrust.js";
import { UploadCuttingProxy } from "../../support/tcpProxy.js";
import { tempDir } from "../../support/tempDir.js";
import { runTransportContract } from "./transportContract.js";

let ceph: RunningCeph;
let proxy: UploadCuttingProxy;

beforeAll(async () => {
  ceph = await startCeph();
  proxy = await UploadCuttingProxy.start({ host: "127.0.0.1", port: ceph.port });
  console.log(`Ceph radosgw serving at ${ceph.endpoint} after ${ceph.startedInMs} ms`);
}, 90_000);

afterAll(async () => {
  await proxy?.stop();
  await ceph?.stop();
  // Nothing is left behind: the daemons are gone with their folder.
  if (ceph !== undefined) expect(existsSync(dirname(ceph.conf))).toBe(false);
}, 30_000);

function options(bucket: string, extra: Partial<S3TransportOptions> = {}): S3TransportOptions {
  return {
    endpoint: ceph.endpoint,
    region: ceph.region,
    bucket,
    accessKeyId: ceph.accessKeyId,
    secretAccessKey: ceph.secretAccessKey,
    timeoutMs: 10_000,
    ...extra,
  };
}

function s3Fixture(bucket: string, extra: Partial<S3TransportOptions> = {}) {
  return {
    transport: new S3Transport(options(bucket, extra)),
    writeBrokenHalfway: async (path: string, bytes: Buffer) => {
      // Through the proxy, which resets the connection after half the body; no retry.
      proxy.cutAfter(bytes.length >> 1);
      const dying = new S3Transport(options(bucket, { ...extra, endpoint: `http://127.0.0.1:${proxy.port}`, maxAttempts: 1 }));
      const cutsBefore = proxy.cuts;
      try {
        await dying.write(path, bytes);
      } finally {
        proxy.cutAfter(undefined);
        await dying.close();
        expect(proxy.cuts).toBe(cutsBefore + 1);
      }
    },
    openAnother: () => new S3Transport(options(bucket, extra)),
    secret: ceph.secretAccessKey,
    teardown: async () => {},
  };
}

runTransportContract("s3 over Ceph radosgw", async () => s3Fixture(await ceph.createBucket()), { writeNew: true });
runTransportContract("s3 over Ceph radosgw, under a key prefix, two keys to a page", async () =>
  s3Fixture(await ceph.createBucket(), { prefix: "/offices/milano/", listPageSize: 2 }), { writeNew: true });

describe("S3 transport on radosgw", () => {
  it("keeps the parking area's layout as keys under the prefix, as another S3 client sees them", async () => {
    const bucket = await ceph.createBucket();
    const t = new S3Transport(options(bucket, { prefix: "sincro" }));
    await t.write("SincroAg/AG01/0000000001.seg", Buffer.from("segment one"));
    await t.ensureDir("SincroSede/_ALL");
    await t.close();
    // curl signs with SigV4 on its own: the keys and bytes are what an operator would see.
    const object = curlS3(`/${bucket}/sincro/SincroAg/AG01/0000000001.seg`);
    expect(object.toString()).toBe("segment one");
    const listing = curlS3(`/${bucket}?list-type=2&prefix=sincro%2F`).toString();
    expect([...listing.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1])).toEqual([
      "sincro/SincroAg/AG01/0000000001.seg",
      "sincro/SincroSede/_ALL/",
    ]);
  });

  it("counts one request per call, one per page of a listing", async () => {
    const bucket = await ceph.createBucket();
    const t = new S3Transport(options(bucket, { listPageSize: 2 }));
    for (const n of [1, 2, 3, 4, 5]) await t.write(`d/${n}.seg`, Buffer.alloc(n));
    expect(t.stats()).toEqual({ commands: 5, bytesSent: 15, bytesReceived: 0 });
    expect((await t.list("d")).map((f) => f.size)).toEqual([1, 2, 3, 4, 5]);
    expect(t.stats().commands).toBe(8);
    expect(await t.writeNew("d/1.seg", Buffer.from("x"))).toBe("exists");
    expect(await t.read("d/5.seg")).toHaveLength(5);
    await t.delete("d/5.seg");
    expect(t.stats()).toEqual({ commands: 11, bytesSent: 15, bytesReceived: 5 });
    await t.close();
  });

  it("names the setting to fix when the keys, the bucket or the endpoint are wrong, never showing the secret", async () => {
    const bucket = await ceph.createBucket();
    const wrongSecret = "not-the-secret-Zq9";
    const cases: Array<[Partial<S3TransportOptions>, RegExp, string | undefined]> = [
      [{ secretAccessKey: wrongSecret }, /list SincroAg on s3:\/\/.*: the server replied 403 SignatureDoesNotMatch.*check s3\.secret-key \(or AWS_SECRET_ACCESS_KEY\)/, "TRANSPORT_LOGIN"],
      [{ accessKeyId: "NOSUCHKEY0000000000" }, /403 InvalidAccessKeyId.*check s3\.access-key/, "TRANSPORT_LOGIN"],
      [{ bucket: "no-such-bucket-here" }, /404 NoSuchBucket.*bucket "no-such-bucket-here" does not exist: create it, or check s3\.bucket/, "TRANSPORT"],
      [{ endpoint: "http://127.0.0.1:1", maxAttempts: 1 }, /ECONNREFUSED.*is the S3 service running\? check s3\.endpoint/, "TRANSPORT"],
    ];
    for (const [change, message, code] of cases) {
      const t = new S3Transport(options(bucket, change));
      const error = await t.list("SincroAg").catch((err: unknown) => err);
      expect(error).toBeInstanceOf(TransportError);
      expect((error as TransportError).message).toMatch(message);
      expect((error as TransportError).code).toBe(code);
      for (const secret of [ceph.secretAccessKey, wrongSecret]) {
        expect((error as TransportError).message).not.toContain(secret);
        expect(t.describe).not.toContain(secret);
      }
      await t.close();
    }
    // A missing object in a missing bucket is not "no such file": the bucket is the problem.
    await expect(new S3Transport(options("no-such-bucket-here")).read("SincroAg/x")).rejects.toThrow(/NoSuchBucket/);
  });
});

describe("parking check on S3", () => {
  it("passes on radosgw, which refuses a second create of one name (If-None-Match)", async () => {
    const bucket = await ceph.createBucket();
    const t = new S3Transport(options(bucket));
    const report = await checkParkingArea(t);
    expect(report.steps.filter((s) => s.status !== "ok")).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.steps.map((s) => s.step)).toContain("refuse a second create of one name in SincroAg");
    // The probes are gone; the folder markers stay.
    const after = new S3Transport(options(bucket));
    expect(await after.list("SincroAg")).toEqual([]);
    expect(await after.listDirs("")).toEqual(["SincroAg", "SincroSede"]);
    await after.close();
  });

  it("refuses s3rver, a fake S3 that lets a second PUT with If-None-Match overwrite", async () => {
    const directory = tempDir("sincro-s3rver-");
    const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: "parking" }] });
    const { port } = await server.run();
    try {
      const t = new S3Transport({
        endpoint: `http://127.0.0.1:${port}`,
        bucket: "parking",
        accessKeyId: "S3RVER",
        secretAccessKey: "S3RVER",
        maxAttempts: 1,
      });
      // The negative control: s3rver really does overwrite.
      expect(await t.writeNew("probe", Buffer.from("first"))).toBe("created");
      expect(await t.writeNew("probe", Buffer.from("second"))).toBe("created");
      expect((await t.read("probe"))?.toString()).toBe("second");
      await t.delete("probe");

      const report = await checkParkingArea(t);
      expect(report.ok).toBe(false);
      const failed = report.steps.filter((s) => s.status === "failed");
      expect(failed.map((s) => s.step)).toEqual([
        "refuse a second create of one name in SincroAg",
        "refuse a second create of one name in SincroSede",
      ]);
      expect(failed[0]?.detail).toMatch(
        /^this S3 store does not honour conditional writes \(If-None-Match\): a second create of the same name replaced the first; sincro cannot detect two PCs with one agent code on it/,
      );
      // Everything else works on s3rver: only the missing guarantee fails the check.
      expect(report.steps.filter((s) => s.status === "ok")).toHaveLength(report.steps.length - 2);
      expect((await t.list("SincroAg")).map((f) => f.name)).toEqual([]);
      await t.close();
    } finally {
      await server.close();
    }
  });
});

// GET with curl's own SigV4 signing (the payload header radosgw wants from curl 7.88).
function curlS3(pathAndQuery: string): Buffer {
  return execFileSync("curl", [
    "-sS", "--fail",
    "--aws-sigv4", `aws:amz:${ceph.region}:s3`,
    "--user", `${ceph.accessKeyId}:${ceph.secretAccessKey}`,
    "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
    `${ceph.endpoint}${pathAndQuery}`,
  ]);
}

describe("sync over S3 (radosgw)", () => {
  async function s3Network(dir: string, agents: string[]): Promise<Network> {
    const bucket = await ceph.createBucket("sync");
    const area: ParkingArea = { name: "s3 (radosgw)", root: "", open: () => new S3Transport(options(bucket, { prefix: "sincro" })), stop: async () => {} };
    const net = new Network(dir, area, agents);
    for (const a of agents) exec(net.sede, { kind: "RegisterAgent", code: a, name: `Agent ${a}` });
    exec(
      net.sede,
      { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" },
      { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
    );
    return net;
  }

  it("carries the catalogue to the agents and their customers and orders to the sede", async () => {
    const net = await s3Network(tempDir(), ["AG01", "AG02"]);
    await net.round();
    const [bar] = exec(net.agent("AG01"), { kind: "AddCustomer", name: "Bar", list: "BASE" });
    exec(net.agent("AG01"), { kind: "PlaceOrder", customer: bar as string, lines: [{ product: "P001", qty: "3" }] });
    exec(net.agent("AG02"), { kind: "AddCustomer", name: "Pub", list: "BASE" });
    exec(net.sede, { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "9.10" });
    const sent = await net.sync(net.agent("AG01"));
    expect(sent.sent.segments).toBe(1);
    expect(sent.sent.events).toBe(2);
    await net.round();

    expect(net.sede.read.listCustomers().map((c) => [c.name, c.origin])).toEqual(
      expect.arrayContaining([["Bar", "AG01"], ["Pub", "AG02"]]),
    );
    // Priced at the agent with what it knew when it took the order.
    expect(net.sede.read.listOrders().map((o) => [o.origin, o.lines])).toEqual([["AG01", [{ product: "P001", qty: "3", price: "8.90", discounts: [] }]]]);
    for (const code of ["AG01", "AG02"]) expect(net.agent(code).read.listPrices()).toEqual(net.sede.read.listPrices());
    const t = net.area.open();
    // The agents rang the doorbell after writing, and the sede deleted the bells it heard
    // (README, "The doorbell"): on S3 an empty folder is no folder at all.
    await net.sync(net.sede);
    expect(await t.list("SincroBell")).toEqual([]);
    expect(await t.listDirs("")).toEqual(["SincroAg", "SincroSede"]);
    expect(await t.listDirs("SincroAg")).toEqual(["AG01", "AG02"]);
    // The agent's segments are gone once the sede acked them (pruned with DeleteObject); its acks stay.
    expect((await t.list("SincroAg/AG01")).map((f) => f.name)).toEqual(["AG01.ack", "_ALL.ack"]);
    await t.close();
  });

  it("stops the second of two PCs with one agent code even when it listed the name as free: the store refuses its create (If-None-Match)", async () => {
    const dir = tempDir();
    const net = await s3Network(dir, ["AG01"]);
    await net.sync(net.sede);
    const ag = net.agent("AG01");
    mkdirSync(join(dir, "twin"));
    // A second PC with a copy of AG01's keys: to the office, the same agent.
    const twin = makeNode(join(dir, "twin"), "AG01", { role: "agent", agent: "AG01" }, net.clock.now);
    cloneKeys(ag, twin);
    await net.sync(ag);
    await net.sync(twin);
    const stream = agentToSede("AG01");

    // The twin seals its segment and stops before uploading it.
    exec(twin, { kind: "AddCustomer", name: "Twin pub", list: "BASE" });
    await expect(net.sync(twin, { hook: (step) => { if (step === "upload") throw new Error("stopped before upload"); } })).rejects.toThrow(
      "stopped before upload",
    );
    const sealed = twin.outbox.files(stream).filter((f) => f.kind === "segment" && f.uploaded === null);
    expect(sealed.map((f) => f.number)).toEqual([1]);
    const path = "SincroAg/AG01/0000000001.seg";
    // What the twin uploads: its sealed segment, signed (and encrypted) as its sync would.
    const twinBytes = new ParkingTrust(twin).seal(path, twin.outbox.bytes(stream, "segment", 1) as Buffer);

    // The first PC lists SincroAg/AG01 (empty), and just before its upload the twin's segment
    // lands under the same name, put there by another client (curl).
    exec(ag, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    let raced = 0;
    const race = (step: string, where: { file?: string }) => {
      if (step === "upload" && where.file === path) {
        raced++;
        curlPut(net.area, path, twinBytes);
      }
    };
    await expect(net.sync(ag, { hook: race })).rejects.toThrow(
      /publish SincroAg\/AG01\/0000000001\.seg: the server already holds a different segment under this name\. Two PCs are publishing as agent AG01/,
    );
    expect(raced).toBe(1);
    // The store kept the twin's segment, and the first PC did not count its own as published.
    const t = net.area.open();
    expect((await t.read(path))?.equals(twinBytes)).toBe(true);
    await t.close();
    expect(ag.outbox.files(stream).find((f) => f.number === 1)?.uploaded).toBeNull();

    // The twin's retry finds its own bytes there: success, not a fork.
    const retry = await net.sync(twin);
    expect(twin.outbox.files(stream).find((f) => f.number === 1)?.uploaded).not.toBeNull();
    expect(retry.sent.segments).toBe(0);
    await net.sync(net.sede);
    expect(net.sede.read.listCustomers().map((c) => c.name)).toContain("Twin pub");
    expect(net.sede.read.listCustomers().map((c) => c.name)).not.toContain("Pub");
  });

  it("takes its own bytes already under a name it listed as free for published (a create whose reply was lost)", async () => {
    const net = await s3Network(tempDir(), ["AG01"]);
    await net.round();
    const ag = net.agent("AG01");
    exec(ag, { kind: "AddCustomer", name: "Pub", list: "BASE" });
    const stream = agentToSede("AG01");
    const path = "SincroAg/AG01/0000000001.seg";
    // Between the listing and the create, the same bytes land there, as when an earlier PUT
    // succeeded but its reply never came back.
    const report = await net.sync(ag, {
      hook: (step, where) => {
        if (step === "upload" && where.file === path) curlPut(net.area, path, new ParkingTrust(ag).seal(path, ag.outbox.bytes(stream, "segment", 1) as Buffer));
      },
    });
    expect(report.warnings).toEqual([]);
    expect(report.sent.segments).toBe(0);
    expect(ag.outbox.files(stream).find((f) => f.number === 1)?.uploaded).not.toBeNull();
    await net.sync(net.sede);
    expect(net.sede.read.listCustomers().map((c) => c.name)).toContain("Pub");
  });
});

// PUT with curl's own SigV4 signing, as another PC's client would.
function curlPut(area: ParkingArea, path: string, bytes: Buffer): void {
  const t = area.open() as S3Transport;
  const bucket = /^s3:\/\/([^/]+)\/(.*?) at /.exec(t.describe);
  if (bucket === null) throw new Error(`cannot read the bucket from ${t.describe}`);
  execFileSync(
    "curl",
    [
      "-sS", "--fail", "-X", "PUT", "--data-binary", "@-",
      "--aws-sigv4", `aws:amz:${ceph.region}:s3`,
      "--user", `${ceph.accessKeyId}:${ceph.secretAccessKey}`,
      "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD",
      `${ceph.endpoint}/${bucket[1]}/${bucket[2]}${path}`,
    ],
    { input: bytes },
  );
}

describe("the command line on S3", () => {
  it("config set s3.*, config show without the secret, parking check, sync and audit --s3", async () => {
    const dir = tempDir();
    const bucket = await ceph.createBucket("cli");
    const sede = join(dir, "sede.db");
    // Not inherited from this process (cephS3.ts sets it): the CLI must keep the SDK quiet itself.
    const quiet = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "" };
    const run = (args: string[]) => sincroAsync(["--db", sede, ...args], quiet);
    expect((await run(["init", "--role", "sede"])).status).toBe(0);
    for (const [key, value] of [
      ["transport", "s3"],
      ["s3.endpoint", ceph.endpoint],
      ["s3.bucket", bucket],
      ["s3.prefix", "sincro"],
      ["s3.access-key", ceph.accessKeyId],
      ["s3.secret-key", ceph.secretAccessKey],
    ]) {
      const set = await run(["config", "set", key as string, value as string]);
      expect([set.status, set.stderr]).toEqual([0, ""]);
    }
    const show = await run(["config", "show"]);
    expect(show.stdout).toContain(bucket);
    expect(show.stdout + show.stderr).not.toContain(ceph.secretAccessKey);

    const check = await run(["parking", "check"]);
    expect([check.status, check.stderr]).toEqual([0, ""]);
    expect(check.stdout).toContain(`checking s3://${bucket}/sincro/ at ${ceph.endpoint}`);
    expect(check.stdout).toMatch(/ok +refuse a second create of one name in SincroSede/);
    expect(check.stdout).toContain("the parking area is ready for sincro");
    expect(check.stdout).not.toContain(ceph.secretAccessKey);

    expect((await run(["agent", "add", "AG01", "--name", "Mario"])).status).toBe(0);
    const sync = await run(["sync"]);
    expect([sync.status, sync.stderr]).toEqual([0, ""]);
    // Audited with the sede's keys, which open every file.
    const audit = await sincroAsync(["audit", "--s3", `s3://${bucket}/sincro?endpoint=${ceph.endpoint}`, "--db", sede], {
      AWS_ACCESS_KEY_ID: ceph.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ceph.secretAccessKey,
      ...quiet,
    });
    expect([audit.status, audit.stderr]).toEqual([0, ""]);

    // A wrong secret fails with exit 3, naming the setting, not the secret.
    expect((await run(["config", "set", "s3.secret-key", "wrong-secret-K2"])).status).toBe(0);
    const denied = await run(["sync"]);
    expect(denied.status).toBe(3);
    expect(denied.stderr).toMatch(/SignatureDoesNotMatch.*check s3\.secret-key/);
    expect(denied.stderr + denied.stdout).not.toContain("wrong-secret-K2");
  });
});
