// A real S3 endpoint for the integration tests: a one-node Ceph (a monitor, one OSD keeping its
// objects in memory, radosgw) on 127.0.0.1 with free ports, every file in one temporary folder,
// each daemon in the foreground and stopped by PID. `scripts/install-ceph.sh` installs Debian's
// packages; nothing here is skipped when they are missing. Start it once per test file (~12 s).
import { execFile, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { daemon, freePort, type Daemon } from "./daemon.js";

const run = promisify(execFile);

// The SDK warns on Node 20 about its releases after January 2027; the tests pin one that runs here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const INSTALL_SCRIPT = "scripts/install-ceph.sh";
const BINARIES = ["ceph-mon", "ceph-osd", "radosgw", "radosgw-admin", "ceph-authtool", "monmaptool", "ceph"].map((name) => `/usr/bin/${name}`);
const RGW = "client.rgw.sincro";

/** A running one-node Ceph with radosgw; connect an `S3Transport` with these fields. */
export interface RunningCeph {
  /** `http://127.0.0.1:PORT`, radosgw's S3 endpoint. */
  endpoint: string;
  port: number;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** How long the start took, from the first command to radosgw answering, in ms. */
  startedInMs: number;
  /** The configuration file, for `radosgw-admin -c` and the like. */
  conf: string;
  /** Creates a fresh bucket with a unique name and returns its name. */
  createBucket(prefix?: string): Promise<string>;
  /** Stops radosgw, the OSD and the monitor by PID, waits for them, removes the folder. */
  stop(): Promise<void>;
}

/** Throws a clear error when Ceph cannot run here, naming the missing binary and the fix. */
export function requireCeph(): void {
  const missing = BINARIES.find((path) => !existsSync(path));
  if (missing !== undefined) {
    throw new Error(`Ceph cannot start: ${missing} is missing. Install it with \`sudo bash ${INSTALL_SCRIPT}\`.`);
  }
}

export async function startCeph(): Promise<RunningCeph> {
  requireCeph();
  const began = Date.now();
  const work = await mkdtemp(join(tmpdir(), "sincro-ceph-"));
  const daemons: Array<{ name: string; server: Daemon }> = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // radosgw first, the monitor last: each stops cleanly while the ones below it still run.
      for (const { server } of [...daemons].reverse()) await server.stop(5000);
      await rm(work, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    const fsid = randomUUID();
    const [monPort, port] = [await freePort(), await freePort()];
    const keyring = join(work, "keyring");
    const conf = join(work, "ceph.conf");
    for (const dir of ["run", "log", "mon", "osd/ceph-0"]) await mkdir(join(work, dir), { recursive: true });
    await writeFile(
      conf,
      [
        "[global]",
        `fsid = ${fsid}`,
        `mon host = 127.0.0.1:${monPort}`,
        "mon initial members = a",
        "public network = 127.0.0.0/8",
        "ms bind ipv6 = false",
        `keyring = ${keyring}`,
        `run dir = ${work}/run`,
        `admin socket = ${work}/run/$name.asok`,
        `pid file = ${work}/run/$name.pid`,
        `log file = ${work}/log/$name.log`,
        `mon data = ${work}/mon/$cluster-$id`,
        `osd data = ${work}/osd/$cluster-$id`,
        "osd objectstore = memstore",
        "memstore device bytes = 1073741824",
        "osd pool default size = 1",
        "osd pool default min size = 1",
        "mon allow pool size one = true",
        "mon warn on pool no redundancy = false",
        "osd crush chooseleaf type = 0",
        `[${RGW}]`,
        `rgw frontends = beast endpoint=127.0.0.1:${port}`,
        `rgw data = ${work}/rgw`,
        "",
      ].join("\n"),
    );
    // Every key the daemons and the admin commands need, in the one keyring the monitor starts with.
    const keys: Array<[string, string[]]> = [
      ["mon.", ["mon", "allow *"]],
      ["client.admin", ["mon", "allow *", "osd", "allow *", "mgr", "allow *"]],
      ["osd.0", ["mon", "allow profile osd", "osd", "allow *"]],
      [RGW, ["mon", "allow rw", "osd", "allow rwx"]],
    ];
    for (const [index, [entity, caps]] of keys.entries()) {
      const capArgs = [];
      for (let i = 0; i < caps.length; i += 2) capArgs.push("--cap", caps[i] as string, caps[i + 1] as string);
      await run("ceph-authtool", [...(index === 0 ? ["--create-keyring"] : []), keyring, "--gen-key", "-n", entity, ...capArgs]);
    }
    const monmap = join(work, "monmap");
    await run("monmaptool", ["--create", "--add", "a", `127.0.0.1:${monPort}`, "--fsid", fsid, monmap]);
    await run("ceph-mon", ["-c", conf, "--mkfs", "-i", "a", "--monmap", monmap, "--keyring", keyring]);
    daemons.push(start("ceph-mon", ["-c", conf, "-f", "-i", "a"]));
    const osdUuid = randomUUID();
    await run("ceph", ["-c", conf, "--connect-timeout", "20", "osd", "new", osdUuid, "0"]);
    await run("ceph-osd", ["-c", conf, "-i", "0", "--mkfs", "--osd-uuid", osdUuid]);
    daemons.push(start("ceph-osd", ["-c", conf, "-f", "-i", "0"]));
    daemons.push(start("radosgw", ["-c", conf, "-f", "-n", RGW]));
    const endpoint = `http://127.0.0.1:${port}`;
    await waitForS3(endpoint, daemons);
    const accessKeyId = `SINCRO${randomBytes(7).toString("hex").toUpperCase()}`;
    const secretAccessKey = randomBytes(24).toString("base64url");
    await run("radosgw-admin", [
      "-c", conf, "user", "create", "--uid=sincro", "--display-name=sincro",
      `--access-key=${accessKeyId}`, `--secret-key=${secretAccessKey}`,
    ]);
    const region = "us-east-1";
    let buckets = 0;
    const createBucket = async (prefix = "sincro"): Promise<string> => {
      const bucket = `${prefix}-${++buckets}-${randomBytes(3).toString("hex")}`;
      const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
      try {
        await client.send(new CreateBucketCommand({ Bucket: bucket }));
      } finally {
        client.destroy();
      }
      return bucket;
    };
    return { endpoint, port, region, accessKeyId, secretAccessKey, startedInMs: Date.now() - began, conf, createBucket, stop };
  } catch (err) {
    await stop();
    throw new Error(`Ceph did not start in ${work}: ${(err as Error).message}`);
  }

  function start(name: string, args: string[]): { name: string; server: Daemon } {
    return { name, server: daemon(spawn(`/usr/bin/${name}`, args, { stdio: ["ignore", "ignore", "pipe"] }), 2000) };
  }

}

// Resolves once radosgw answers `GET /` with 200; fails if a daemon exits first or after 60 s.
async function waitForS3(endpoint: string, daemons: Array<{ name: string; server: Daemon }>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const dead = daemons.find(({ server }) => server.child.exitCode !== null || server.child.signalCode !== null);
    if (dead !== undefined) {
      throw new Error(`${dead.name} exited: ${dead.server.output().trim() || "no output"}`);
    }
    const ok = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) }).then(
      (reply) => reply.status === 200,
      () => false,
    );
    if (ok) return;
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw new Error(`radosgw did not answer at ${endpoint} within 60 s`);
}
