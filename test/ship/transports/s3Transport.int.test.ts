// The S3 transport on a real S3 endpoint: Debian's Ceph radosgw, one node started for this whole
// file (test/support/cephS3.ts). The shared contract suite, what only S3 has (pages, markers,
// errors), `parking check`, and the s3rver negative control (a fake S3 that ignores If-None-Match).
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { S3Transport, type S3TransportOptions } from "../../../src/ship/transports/s3Transport.js";
import { startCeph, type RunningCeph } from "../../support/cephS3.js";
import { UploadCuttingProxy } from "../../support/tcpProxy.js";
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
