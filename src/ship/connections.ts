import { type Say, say, TransportError } from "../errors.js";
import type { Transport } from "./transports/transport.js";

/**
 * The connections one sync works over: the transport it was given, and up to `size - 1` more
 * opened on demand (with `open`) so that downloads and small uploads to many folders overlap.
 * A transport is one connection used by one caller at a time, so each worker keeps its own.
 * A server that refuses an extra connection (a per-address limit) only slows the sync: that
 * worker stops, its item goes back to the others, and the sync says so in a warning.
 */
export class Connections {
  private readonly extra: Array<Transport | undefined> = [];
  private readonly broken = new Set<number>();

  constructor(
    private readonly main: Transport,
    readonly size: number,
    private readonly open: (() => Transport) | undefined,
    private readonly warn: (message: string, said: Say) => void,
  ) {}

  /**
   * Runs `task` once per item, on up to `size` connections at once, items taken in order. The
   * first error that is not an extra connection failing stops the others from taking more
   * items and is thrown once they are done.
   */
  async each<T>(items: readonly T[], task: (transport: Transport, item: T) => Promise<void>): Promise<void> {
    const queue = items.map((item) => ({ item }));
    let failure: { err: unknown } | undefined;
    const work = async (slot: number): Promise<void> => {
      const transport = slot === 0 ? this.main : this.extraAt(slot);
      for (let next = queue.shift(); next && !failure; next = queue.shift()) {
        try {
          await task(transport, next.item);
        } catch (err) {
          if (slot > 0 && err instanceof TransportError) {
            queue.unshift(next);
            this.broken.add(slot);
            this.warn(`connection ${slot + 1} of ${this.size} failed (${err.message}); went on with fewer connections`, say("warn.connectionLost", { n: slot + 1, size: this.size }));
            await transport.close().catch(() => undefined);
            return;
          }
          failure = { err };
        }
      }
    };
    const slots = [0];
    if (this.open) for (let s = 1; s < this.size && s < items.length; s++) if (!this.broken.has(s)) slots.push(s);
    await Promise.all(slots.map(work));
    if (failure) throw failure.err;
    // Items an extra connection handed back after the main one had finished.
    for (let next = queue.shift(); next; next = queue.shift()) await task(this.main, next.item);
  }

  /** Requests sent on the extra connections (the main transport counts its own). */
  commands(): number {
    return this.extra.reduce((n, t) => n + (t?.stats().commands ?? 0), 0);
  }

  /** Closes the extra connections (the caller closes the main one). */
  async close(): Promise<void> {
    await Promise.all(this.extra.map((t) => t?.close().catch(() => undefined)));
  }

  private extraAt(slot: number): Transport {
    let t = this.extra[slot];
    if (!t) {
      t = (this.open as () => Transport)();
      this.extra[slot] = t;
    }
    return t;
  }
}
