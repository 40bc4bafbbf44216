/**
 * Why a received stream is stopped, as the inbox stores it (English text in `inbox_cursors.blocked`),
 * and that text read back into its kind, so that `status` can say it in the user's language.
 * The sync writes the reasons with the two builders below; any other reason is a file's own
 * refusal (`read FILE: why`, `apply FILE: why`), or, rarely, a text kept as it is.
 */
export type BlockedReason =
  | { kind: "missing"; file: string }
  | { kind: "missingHead"; file: string; at: string }
  | { kind: "failed"; file: string; why: string }
  | { kind: "other"; text: string };

/** A segment deleted from the server while later ones are there. */
export function missingWhileLater(file: string, later: number): string {
  return `${file} is missing while ${later} later segment(s) are on the server (deleted there?)`;
}

/** A segment the office's head says was published, not on the server. */
export function missingPerHead(file: string, published: number, at: string): string {
  return `${file} is missing: the office's head says it published up to segment ${published} (${at})`;
}

export function readBlocked(text: string): BlockedReason {
  let m = /^(\S+) is missing while \d+ later segment\(s\) are on the server \(deleted there\?\)$/.exec(text);
  if (m) return { kind: "missing", file: m[1] as string };
  m = /^(\S+) is missing: the office's head says it published up to segment \d+ \((.+)\)$/.exec(text);
  if (m) return { kind: "missingHead", file: m[1] as string, at: m[2] as string };
  m = /^(?:read|apply) (\S+): ([\s\S]+)$/.exec(text);
  if (m) return { kind: "failed", file: m[1] as string, why: m[2] as string };
  return { kind: "other", text };
}
