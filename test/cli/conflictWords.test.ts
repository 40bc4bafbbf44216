import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { conflictLines } from "../../src/cli/conflictWords.js";
import { Translator } from "../../src/i18n/translator.js";
import { exec, folderArea, Network } from "../support/network.js";
import { tempDir } from "../support/tempDir.js";

// 2 December 2026, 09:00 and 10:30 UTC: 10:00 and 11:30 in Rome.
const MORNING = Date.UTC(2026, 11, 2, 9, 0, 0);
const LATER = Date.UTC(2026, 11, 2, 10, 30, 0);

describe("a conflict in words", () => {
  it("says what each side did — changed to a price, or removed — when in local time, who, and which change is kept", async () => {
    const net = new Network(tempDir(), folderArea(join(tempDir(), "park")), ["AG01"]);
    net.clock.set(MORNING - 3_600_000);
    exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" });
    exec(net.sede, { kind: "AddProduct", code: "P001", description: "Caffè", vat: "22" });
    const [customer] = exec(net.sede, { kind: "AddCustomer", name: "Società Bar Centrale", agent: "AG01" }) as [string];
    exec(net.sede, { kind: "SetSpecialPrice", customer, product: "P001", price: "8" });
    await net.round();
    net.clock.set(MORNING);
    exec(net.agent("AG01"), { kind: "SetSpecialPrice", customer, product: "P001", price: "1234.5" });
    net.clock.set(LATER);
    exec(net.sede, { kind: "RemoveSpecialPrice", customer, product: "P001" });
    await net.round();

    const at = (node: typeof net.sede) => node.read.listConflicts().map((c) => conflictLines(new Translator("it", "Europe/Rome"), node, c));
    const italian = [
      `Prezzo speciale di P001 per il cliente ${customer}: cambiato da entrambe le parti.`,
      "  l'agente AG01 l'ha cambiato in 1.234,50 € il 02/12/2026 alle 10:00",
      "  la sede l'ha tolto il 02/12/2026 alle 11:30",
      "  vale la modifica della sede, la più recente",
    ];
    expect(at(net.sede)).toEqual([italian]);
    expect(at(net.agent("AG01"))).toEqual([italian]);
    const [english] = net.sede.read.listConflicts().map((c) => conflictLines(new Translator("en", "Europe/Rome"), net.sede, c));
    expect(english).toEqual([
      `Special price of P001 for customer ${customer}: changed on both sides.`,
      "  agent AG01 changed it to €1,234.50 on 02/12/2026 at 10:00",
      "  the office removed it on 02/12/2026 at 11:30",
      "  kept: the office's change, the more recent",
    ]);
    for (const node of [net.sede, ...net.agents.values()]) node.close();
  });
});
