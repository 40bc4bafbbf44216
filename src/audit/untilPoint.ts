import { UsageError, say } from "../errors.js";

/** Where a point-in-time audit stops: a wall time (ms, inclusive) or one event. */
export type UntilPoint = { kind: "time"; ms: number; text: string } | { kind: "event"; origin: string; seq: number; text: string };

/**
 * Parses `--until`: `ORIGIN:SEQ` (stop after that event, in the log's order), or an ISO date or
 * date-time compared with each event's HLC wall time. A date alone means the end of that day
 * (UTC); a date-time without a zone is UTC.
 */
export function parseUntil(text: string): UntilPoint {
  const ev = /^([A-Z0-9]{1,8}):(\d{1,15})$/.exec(text);
  if (ev) return { kind: "event", origin: ev[1] as string, seq: Number(ev[2]), text };
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const start = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(start)) return { kind: "time", ms: start + 86_400_000 - 1, text };
  }
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (m) {
    const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? "Z"}`);
    if (!Number.isNaN(ms)) return { kind: "time", ms, text };
  }
  throw new UsageError(`audit --until ${text}: expected an ISO date or date-time (2026-03-02, 2026-03-02T10:30Z) or ORIGIN:SEQ (AG01:42)`, {
    say: say("audit.usage.until", { value: text }),
  });
}

/** The wall-clock milliseconds of an HLC (`WWWWWWWWWWWWW-CCCCC-ORIGIN`), NaN when malformed. */
export function hlcWall(hlc: string): number {
  return /^\d{13}-/.test(hlc) ? Number(hlc.slice(0, 13)) : Number.NaN;
}
