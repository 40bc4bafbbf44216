import type Database from "better-sqlite3";
import type { EventOf } from "../events/eventTypes.js";
import type { RowOf } from "../wire/snapshotRows.js";

/**
 * The catalogue: `products`, `price_lists` and generic `prices`, which the sede alone records
 * and ships to every agent. Each event carries the entity's whole new state (an upsert).
 */
export class CatalogueProjection {
  private readonly product: Database.Statement;
  private readonly discontinue: Database.Statement;
  private readonly priceList: Database.Statement;
  private readonly price: Database.Statement;
  private readonly removePrice: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.product = db.prepare(`INSERT INTO products (code, description, unit, vat, active, event_id) VALUES (?, ?, ?, ?, 1, ?)
                  ON CONFLICT (code) DO UPDATE SET description = excluded.description, unit = excluded.unit,
                  vat = excluded.vat, active = 1, event_id = excluded.event_id`);
    this.discontinue = db.prepare(`UPDATE products SET active = 0, event_id = ? WHERE code = ?`);
    this.priceList = db.prepare(`INSERT INTO price_lists (code, description) VALUES (?, ?)
                    ON CONFLICT (code) DO UPDATE SET description = excluded.description`);
    this.price = db.prepare(`INSERT INTO prices (list, product, price, event_id) VALUES (?, ?, ?, ?)
                ON CONFLICT (list, product) DO UPDATE SET price = excluded.price, event_id = excluded.event_id`);
    this.removePrice = db.prepare(`DELETE FROM prices WHERE list = ? AND product = ?`);
  }

  productSaved(e: EventOf<"ProductSaved">): void {
    this.product.run(e.data.code, e.data.description, e.data.unit, e.data.vat, e.id);
  }

  productDiscontinued(e: EventOf<"ProductDiscontinued">): void {
    this.discontinue.run(e.id, e.data.code);
  }

  priceListSaved(e: EventOf<"PriceListSaved">): void {
    this.priceList.run(e.data.code, e.data.description);
  }

  genericPriceSet(e: EventOf<"GenericPriceSet">): void {
    this.price.run(e.data.list, e.data.product, e.data.price, e.id);
  }

  genericPriceRemoved(e: EventOf<"GenericPriceRemoved">): void {
    this.removePrice.run(e.data.list, e.data.product);
  }

  /**
   * Empties the catalogue before a snapshot of the catalogue stream is applied: that stream is
   * the sede's alone and its snapshot is newer than anything held from it, so it replaces the
   * catalogue whole (a removed price is a row the snapshot lacks).
   */
  clear(): void {
    this.db.exec(`DELETE FROM products; DELETE FROM price_lists; DELETE FROM prices;`);
  }

  // Snapshot rows carry no event id: they are applied in stream order (README, "Departures").

  productRow(row: RowOf<"P">): void {
    this.product.run(row[1], row[2], row[3], row[4], "");
    if (row[5] === 0) this.discontinue.run("", row[1]);
  }

  priceListRow(row: RowOf<"L">): void {
    this.priceList.run(row[1], row[2]);
  }

  priceRow(row: RowOf<"R">): void {
    this.price.run(row[1], row[2], row[3], "");
  }
}
