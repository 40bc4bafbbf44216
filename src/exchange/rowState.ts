import type { DomainState } from "../events/domainState.js";

type Slot<T> = { key: string; value: T } | undefined;

/**
 * The node's read model with the current row's state remembered: mapping a row looks its key
 * up to tell new from existing, and the decider then reads the same key again; this serves the
 * second read from memory. {@link RowState.forget} it before each row and after every write.
 */
export class RowState implements DomainState {
  private products: Slot<ReturnType<DomainState["product"]>>;
  private prices: Slot<ReturnType<DomainState["genericPrice"]>>;
  private customers: Slot<ReturnType<DomainState["customer"]>>;
  private specials: Slot<ReturnType<DomainState["specialPrice"]>>;

  constructor(private readonly read: DomainState) {}

  forget(): void {
    this.products = this.prices = this.customers = this.specials = undefined;
  }

  product(code: string) {
    if (this.products?.key !== code) this.products = { key: code, value: this.read.product(code) };
    return this.products.value;
  }
  genericPrice(list: string, product: string) {
    const key = `${list}\u0000${product}`;
    if (this.prices?.key !== key) this.prices = { key, value: this.read.genericPrice(list, product) };
    return this.prices.value;
  }
  customer(code: string) {
    if (this.customers?.key !== code) this.customers = { key: code, value: this.read.customer(code) };
    return this.customers.value;
  }
  specialPrice(customer: string, product: string) {
    const key = `${customer}\u0000${product}`;
    if (this.specials?.key !== key) this.specials = { key, value: this.read.specialPrice(customer, product) };
    return this.specials.value;
  }
  customersWithCode(code: string) {
    return this.read.customersWithCode(code);
  }
  codeDeparted(code: string) {
    return this.read.codeDeparted(code);
  }
  specialPricesOf(customer: string) {
    return this.read.specialPricesOf(customer);
  }
  agent(code: string) {
    return this.read.agent(code);
  }
  agents() {
    return this.read.agents();
  }
  orderType(code: string) {
    return this.read.orderType(code);
  }
  priceList(code: string) {
    return this.read.priceList(code);
  }
  lastCustomerNumber(prefix: string, digits: number) {
    return this.read.lastCustomerNumber(prefix, digits);
  }
  lastOrderNumber(type: string) {
    return this.read.lastOrderNumber(type);
  }
  formerCodesOf(code: string, createdBy: string) {
    return this.read.formerCodesOf(code, createdBy);
  }
  currentCodeOf(code: string) {
    return this.read.currentCodeOf(code);
  }
  lastSeqOf(origin: string) {
    return this.read.lastSeqOf(origin);
  }
  order(type: string, number: number) {
    return this.read.order(type, number);
  }
}
