import { describe, expect, it } from "vitest";
import { agentBlocked, officeBlocked } from "../../src/cli/commands/status.js";
import { SegmentError } from "../../src/errors.js";
import { Translator } from "../../src/i18n/translator.js";
import { missingPerHead, missingWhileLater, readBlocked } from "../../src/ship/blockedReason.js";
import { decodeSegment } from "../../src/wire/segmentCodec.js";

/**
 * `status` says why receiving is stopped in the user's language: the reason is stored in English
 * (the inbox's `blocked` column), written by the sync's own builders or a file's refusal, and
 * read back into its kind at display time.
 */
const it_ = new Translator("it", "Europe/Rome");
const en = new Translator("en", "Europe/Rome");

/** A real refusal of a damaged file, as the sync stores it. */
function damagedFileReason(): string {
  try {
    decodeSegment(Buffer.from("not gzip at all"), "SincroAg/AG01/0000000003.seg", { stream: "AG01>SEDE", number: 3 });
  } catch (err) {
    if (err instanceof SegmentError) return err.message;
    throw err;
  }
  throw new Error("a damaged segment was accepted");
}

describe("why receiving is stopped, in both languages", () => {
  it("a file deleted from the server while later ones are there", () => {
    const stored = missingWhileLater("SincroSede/AG01/0000000007.seg", 2);
    expect(officeBlocked(it_, stored)).toBe(
      "La ricezione dalla sede è ferma: il file SincroSede/AG01/0000000007.seg manca dall'area di parcheggio, mentre i successivi ci sono; è stato chiesto alla sede di inviarlo di nuovo.",
    );
    expect(officeBlocked(en, stored)).toBe(
      "Receiving from the office is stopped: the file SincroSede/AG01/0000000007.seg is missing from the parking area while later ones are there; the office was asked to send it again.",
    );
    expect(agentBlocked(it_, "AG01", missingWhileLater("SincroAg/AG01/0000000004.seg", 1))).toBe(
      "  La ricezione da AG01 è ferma: il file SincroAg/AG01/0000000004.seg manca dall'area di parcheggio, mentre i successivi ci sono; è stato chiesto a AG01 di inviarlo di nuovo.",
    );
  });

  it("a file the office's head names but the server lacks: the time is local", () => {
    const stored = missingPerHead("SincroSede/_ALL/0000000005.seg", 5, "2026-12-01T23:30:00.000Z");
    expect(officeBlocked(it_, stored)).toBe(
      "La ricezione dalla sede è ferma: il file SincroSede/_ALL/0000000005.seg manca dall'area di parcheggio, anche se la sede lo ha pubblicato (il 02/12/2026 alle 00:30); è stato chiesto alla sede di inviarlo di nuovo.",
    );
    expect(officeBlocked(en, stored)).toBe(
      "Receiving from the office is stopped: the file SincroSede/_ALL/0000000005.seg is missing from the parking area, though the office published it (on 02/12/2026 at 00:30); the office was asked to send it again.",
    );
  });

  it("a file that failed verification: the file named, the technical detail kept as detail", () => {
    const stored = damagedFileReason();
    expect(readBlocked(stored)).toEqual({ kind: "failed", file: "SincroAg/AG01/0000000003.seg", why: "not a complete gzip file (truncated or corrupt)" });
    expect(agentBlocked(it_, "AG01", stored)).toBe(
      "  La ricezione da AG01 è ferma al file SincroAg/AG01/0000000003.seg, che non ha superato la verifica (dettaglio tecnico: not a complete gzip file (truncated or corrupt)); è stato chiesto di nuovo: la prossima sincronizzazione riprova.",
    );
    expect(agentBlocked(en, "AG01", stored)).toBe(
      "  Receiving from AG01 is stopped at the file SincroAg/AG01/0000000003.seg, which did not pass verification (technical detail: not a complete gzip file (truncated or corrupt)); it was asked for again: the next sync tries again.",
    );
  });

  it("a reason of no known kind is shown as it is", () => {
    expect(readBlocked("event AG01#4 breaks the hash chain")).toEqual({ kind: "other", text: "event AG01#4 breaks the hash chain" });
    expect(officeBlocked(it_, "event AG01#4 breaks the hash chain")).toBe("La ricezione dalla sede è ferma: event AG01#4 breaks the hash chain");
  });
});
