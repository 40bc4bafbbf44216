import { join } from "node:path";
import { exec, folderArea, Network } from "../support/network.js";

// The network's clock starts at 2026-03-02 09:00 (the sede's init); the story goes on from there.
export const DAY1 = Date.UTC(2026, 2, 2, 10, 0, 0);
export const DAY3 = Date.UTC(2026, 2, 4, 15, 0, 0);

/**
 * A known history on a stepping clock: on 2026-03-02 the sede sets customer C's price of P001
 * to 8.10; on 2026-03-04 the agent (without seeing it) and then the sede change it again, the
 * agent sets P002, places an order, and the sede amends the order.
 */
export async function knownHistory(dir: string) {
  const net = new Network(dir, folderArea(join(dir, "park")), ["AG01"]);
  net.clock.set(DAY1);
  exec(net.sede, { kind: "RegisterAgent", code: "AG01", name: "Mario" });
  exec(
    net.sede,
    { kind: "AddProduct", code: "P001", description: "Olio 1 l", vat: "4" },
    { kind: "AddProduct", code: "P002", description: "Pasta 500 g", vat: "4" },
    { kind: "SetGenericPrice", list: "BASE", product: "P001", price: "8.90" },
  );
  const [customer] = exec(net.sede, { kind: "AddCustomer", name: "Bar Centrale", agent: "AG01", list: "BASE" }) as [string];
  const first = net.sede.execute({ kind: "SetSpecialPrice", customer, product: "P001", price: "8.10" }).events[0];
  await net.round();
  net.clock.set(DAY3);
  const agentEdit = net.agent("AG01").execute({ kind: "SetSpecialPrice", customer, product: "P001", price: "7.95", discounts: ["5"] }).events[0];
  const sedeEdit = net.sede.execute({ kind: "SetSpecialPrice", customer, product: "P001", price: "7.80" }).events[0];
  const p002 = net.agent("AG01").execute({ kind: "SetSpecialPrice", customer, product: "P002", price: "1.10" }).events[0];
  exec(net.agent("AG01"), { kind: "UpdateCustomer", code: customer, name: "Bar Centrale di Gino" });
  exec(net.sede, { kind: "UpdateCustomer", code: customer, city: "Napoli" });
  const [order] = exec(net.agent("AG01"), { kind: "PlaceOrder", customer, lines: [{ product: "P001", qty: "6" }] }) as [string];
  await net.round();
  exec(net.sede, { kind: "AmendOrder", type: "AG01", number: 1, lines: [{ product: "P001", qty: "12" }] });
  await net.round();
  if (!first || !agentEdit || !sedeEdit || !p002) throw new Error("events were not recorded");
  return { net, customer, order, first, agentEdit, sedeEdit, p002 };
}
