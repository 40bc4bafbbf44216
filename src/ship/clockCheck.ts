import { say, TransportError } from "../errors.js";
import { CLOCK_WARN_MS, clockSay, clockWarning, measureOffset } from "../node/clockOffset.js";
import { AG_ROOT, ALL_FOLDER, SEDE_ROOT } from "../wire/streams.js";
import { type SyncRun, warn } from "./syncRun.js";
import type { Transport } from "./transports/transport.js";

/**
 * A measurement younger than this, of a clock found right, is not repeated by a probe. An hour:
 * a clock set back by two hours just after a measurement must still be probed before the next
 * sync records anything (the convergence model checks it; 2 hours here missed it, seed 934480565).
 */
const FRESH_MS = 60 * 60_000;

/** The file a node writes only to read back the server's stamp on it (never read by anyone else). */
export function probePath(node: string): string {
  return node === "SEDE" ? `${SEDE_ROOT}/${ALL_FOLDER}/clock.probe` : `${AG_ROOT}/${node}/clock.probe`;
}

/**
 * Writes `path` through `write` and, the first time in a sync, reads the server's stamp on it
 * to measure this PC's clock (DESIGN §8). This PC's clock is read around the write with
 * `node.pcNowMs()`: the PC's own clock (the one the node's time derives from, injected in tests),
 * not the node's corrected time. A server that cannot stamp, or fails
 * to, leaves the last measurement in place; the sync goes on.
 */
export async function writeTimed(run: SyncRun, transport: Transport, path: string, write: () => Promise<void>): Promise<void> {
  if (run.clockMeasured || !transport.stamp) {
    await write();
    return;
  }
  const before = run.node.pcNowMs();
  await write();
  const after = run.node.pcNowMs();
  run.clockMeasured = true;
  try {
    const stamp = await transport.stamp(path);
    if (stamp) run.node.setClockOffset(measureOffset(before, after, stamp.ms, stamp.precisionMs));
  } catch (err) {
    if (!(err instanceof TransportError)) throw err;
    warn(run.report, `the server's time could not be read (${err.message}); this PC's clock was not checked`, say("warn.serverTime"));
  }
}

/**
 * At the start of a sync, before anything is recorded or applied: measures this PC's clock with
 * a small probe file, unless a recent measurement found it right (then the first file this sync
 * writes anyway measures it again). A PC whose clock was off is measured at every sync, so that
 * setting its clock right is seen at once.
 */
export async function checkClockFirst(run: SyncRun): Promise<void> {
  const { node, transport } = run;
  if (!transport.stamp) return;
  const last = node.clockOffset();
  const fresh =
    last !== undefined &&
    node.clockCorrectionMs() === 0 &&
    Math.abs(last.offsetMs) <= CLOCK_WARN_MS &&
    Math.abs(node.nowMs() - Date.parse(last.measuredAt)) < FRESH_MS;
  if (fresh) return;
  const path = probePath(node.id);
  // Plain and unsigned: it carries no data, only its stamp matters, and no one else reads it.
  await writeTimed(run, transport, path, () => transport.write(path, Buffer.from(`sincro clock probe of ${node.id}\n`, "utf8")));
  // The parking area holds only what is in transit.
  await transport.delete(path);
}

/** The sync summary's line for a PC whose clock is off by more than 2 minutes. */
export function reportClock(run: SyncRun): void {
  const offset = run.node.clockOffset();
  const warning = clockWarning(offset);
  const said = clockSay(offset);
  if (warning !== undefined && said !== undefined) warn(run.report, warning, said);
}
