import { existsSync, utimesSync } from "node:fs";
import { join } from "node:path";
import type { ServerStamp, Transport } from "../../src/ship/transports/transport.js";

/**
 * A parking server whose clock is the test's. In-process tests run their nodes on a clock of
 * their own (a stepping clock in March 2026, or the convergence model's skewed ones), while a
 * real server stamps what it receives with the real time, and each sync measures the node's
 * clock against that stamp (src/ship/clockCheck.ts). This wraps a transport so that a file
 * written through it is stamped with `serverNow()`: with `root`, the local folder holding the
 * area (folder, embedded FTP), by setting the file's modification time, so the transport's own
 * stamp (mtime, MDTM) reads it; without (S3), `stamp` answers from the times recorded at write.
 */
export function withServerClock(t: Transport, serverNow: () => number, root?: string): Transport {
  const written = new Map<string, number>();
  const stamped = (path: string) => {
    const at = serverNow();
    written.set(path, at);
    if (root === undefined) return;
    const file = join(root, ...path.split("/"));
    if (existsSync(file)) utimesSync(file, at / 1000, at / 1000);
  };
  return new Proxy(t, {
    get(target, prop) {
      if (prop === "write") {
        return async (path: string, bytes: Buffer) => {
          await target.write(path, bytes);
          stamped(path);
        };
      }
      if (prop === "writeNew" && target.writeNew) {
        const writeNew = target.writeNew.bind(target);
        return async (path: string, bytes: Buffer) => {
          const r = await writeNew(path, bytes);
          if (r === "created") stamped(path);
          return r;
        };
      }
      if (prop === "stamp" && target.stamp && root === undefined) {
        const stamp = target.stamp.bind(target);
        return async (path: string): Promise<ServerStamp | null> => {
          const at = written.get(path);
          return at === undefined ? stamp(path) : { ms: Math.floor(at / 1000) * 1000, precisionMs: 1000 };
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
