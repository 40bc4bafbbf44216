import { Worker } from "node:worker_threads";

/**
 * Writes the node's WAL to disk from a worker thread while the node keeps committing.
 *
 * With `synchronous = NORMAL`, a commit only writes the WAL; every few thousand pages SQLite
 * checkpoints, and a checkpoint must first fsync the WAL: megabytes that the committing thread
 * waits for. Flushing the WAL every few milliseconds on another thread leaves that fsync almost
 * nothing to do. It adds no guarantee and removes none: an extra fdatasync only makes bytes
 * durable sooner, the worker takes no SQLite lock, and if it stops, only speed changes.
 *
 * The worker is plain `node:fs` (no SQLite), evaluated from a string so that it runs the same
 * from `dist/` and from the TypeScript sources under test.
 */
export class WalFlusher {
  private readonly worker: Worker;

  constructor(walFile: string, everyMs = 20) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { wal: walFile, everyMs } });
    this.worker.on("error", () => {
      // A flusher that fails only costs speed; the node never depends on it.
    });
    // Never keep a process alive for it.
    this.worker.unref();
  }

  /** Stops the worker (it closes its descriptor and exits); the promise settles when it has. */
  stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
    this.worker.postMessage("stop");
    return exited;
  }
}

const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const fs = require("node:fs");
let fd = -1;
let ino = -1;
function flush() {
  try {
    const st = fs.statSync(workerData.wal, { throwIfNoEntry: false });
    if (!st || st.ino !== ino) {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
      if (!st) return;
      fd = fs.openSync(workerData.wal, "r");
      ino = st.ino;
    }
    fs.fdatasyncSync(fd);
  } catch {
    // The WAL can vanish between two calls (the last connection closed): the next tick sees it.
  }
}
const timer = setInterval(flush, workerData.everyMs);
parentPort.once("message", () => {
  clearInterval(timer);
  if (fd >= 0) fs.closeSync(fd);
  parentPort.close();
});
`;
