import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "../support/tempDir.js";

const NODE_MODULE = fileURLToPath(new URL("../../dist/node/sincroNode.js", import.meta.url));

/** The date an order gets when entered at `instant` on a PC in time zone `tz` (a real process with TZ set). */
function orderDate(tz: string, instant: string): string {
  const db = join(tempDir(), "sede.db");
  const script = `
    const { SincroNode } = await import(${JSON.stringify(NODE_MODULE)});
    const node = SincroNode.init(${JSON.stringify(db)}, { role: "sede", now: () => Date.parse(${JSON.stringify(instant)}) });
    node.execute({ kind: "AddProduct", code: "P001", description: "Olio" });
    node.execute({ kind: "AddCustomer", name: "Bar" });
    node.execute({ kind: "PlaceOrder", customer: "000001", lines: [{ product: "P001", qty: "1", price: "8.90" }] });
    process.stdout.write(node.read.listOrders()[0].date);
    node.close();`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { ...process.env, TZ: tz } });
  expect(r.stderr).toBe("");
  return r.stdout;
}

describe("an order's date is the PC's local date (npm run build first)", () => {
  it("00:30 in Italy is that day, not the day before in UTC", () => {
    expect(orderDate("Europe/Rome", "2026-12-01T23:30:00Z")).toBe("2026-12-02");
    expect(orderDate("Europe/Rome", "2026-07-01T22:30:00Z")).toBe("2026-07-02"); // summer time, UTC+2
    expect(orderDate("UTC", "2026-12-01T23:30:00Z")).toBe("2026-12-01");
  });
});
