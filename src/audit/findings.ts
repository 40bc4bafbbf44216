import type { Say } from "../errors.js";
import type { Translator } from "../i18n/translator.js";

/**
 * What an audit found. A `violation` fails the audit (exit 1); `info` is what a partial log or
 * a pruned parking area legitimately lacks; a `warning` (clock skew) is reported, not failed.
 */
export type Severity = "violation" | "warning" | "info";

/**
 * - `altered`: an event's hash does not match its content.
 * - `missing`: a seq (or segment, or stream offsets) that must be there is not.
 * - `inserted`: two different events claim one origin#seq; the chain says which is foreign.
 * - `duplicated`: the same event appears twice.
 * - `repeated-id`: two different events carry one id (node databases: ids are unique in a log).
 * - `out-of-order`: an event comes after one it must precede.
 * - `broken-chain`: `prev` is not the hash of the event (or segment) before.
 * - `malformed`: a line or file that is not an envelope (or segment) at all.
 * - `corrupt`: a file that does not gunzip, has no trailer, or whose trailer hash differs.
 * - `quarantined`: a received event the node kept but does not apply (a warning).
 * - `forged`: a parking-area file not signed by its folder's writer with a key trusted for it.
 * - `projection-differs`: the node's table differs from a replay of its log.
 * - `not-held`, `starts-later`, `unverifiable`, `not-replayed`: information.
 * - `lost-in-restore`: information: own events of a restored office recorded after its backup
 *   and never published (they could not come back).
 * - `clock-skew`: a warning (see docs in `clockSkew.ts`).
 */
export type FindingKind =
  | "altered"
  | "missing"
  | "inserted"
  | "duplicated"
  | "repeated-id"
  | "out-of-order"
  | "broken-chain"
  | "malformed"
  | "corrupt"
  | "forged"
  | "quarantined"
  | "projection-differs"
  | "not-held"
  | "starts-later"
  | "lost-in-restore"
  | "unverifiable"
  | "not-replayed"
  | "clock-skew";

/** One finding: which origin and seq (or which file), what is wrong, and where it was seen. */
export interface Finding {
  severity: Severity;
  kind: FindingKind;
  origin?: string;
  seq?: number;
  /** A file of a parking area, or a table for `projection-differs`. */
  file?: string;
  /** Where in the source: `line 17` of an exported log, `pos 17` of a node's log, `file line 3`. */
  where?: string;
  /** In English, as `--json` gives it. */
  detail: string;
  /** The detail as a catalogue message (src/i18n), said in the reader's language. */
  say?: Say;
}

/** `AG01#5`, or the file, for messages. */
export function findingSubject(f: Finding): string {
  if (f.origin !== undefined && f.seq !== undefined) return `${f.origin}#${f.seq}`;
  if (f.origin !== undefined) return f.origin;
  return f.file ?? "";
}

/** The finding's detail in the language of `t`: its catalogue message, else the English detail. */
export function findingText(f: Finding, t: Translator): string {
  return (f.say && t.lookup(f.say.key, f.say.params)) ?? f.detail;
}

/** The finding's kind in the language of `t`, its code after it where the two differ: `alterato (altered)`. */
export function findingKind(f: Finding, t: Translator): string {
  const label = t.t(`audit.kind.${f.kind}`);
  return label === f.kind ? label : `${label} (${f.kind})`;
}
