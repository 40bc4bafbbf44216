import { RefusedError, type Say, say } from "../errors.js";
import type { Command, LineInput } from "./commands.js";
import { MONEY, PERCENT, QUANTITY, VAT_RATE, parseDecimal } from "./decimal.js";
import type { CustomerView, DecideContext, DomainState } from "./domainState.js";
import type { CustomerState, DraftEvent, HandedPrice, OrderLine } from "./eventTypes.js";
import { NODE_ID } from "./nodeIds.js";
import { CUSTOMER_CODE, DATE, LIST_CODE, PRODUCT_CODE } from "./payloadCheck.js";

/** What a command decided: the events to record, and what to print (a code or a number). */
export interface Decision {
  events: DraftEvent[];
  /** The code or number assigned, printed alone on stdout by `customer add` / `order add`. */
  assigned?: string;
  /** Why nothing was recorded, when `events` is empty (e.g. the price is already that). */
  unchanged?: string;
}

/** Refusal code: a command would move a customer to another agent (field `agent`). */
export const MOVES_CUSTOMER = "MOVES_CUSTOMER";
/** Refusal code: an agent would change a special price of a customer that is not its own (field `customer`). */
export const NOT_OWN_CUSTOMER = "NOT_OWN_CUSTOMER";


/**
 * Turns a command into events against the current state, or throws a {@link RefusedError}
 * naming the field and the reason. Pure: reads `state`, never writes; time comes in `ctx`.
 */
export function decide(command: Command, state: DomainState, ctx: DecideContext): Decision {
  switch (command.kind) {
    case "RegisterAgent":
      return registerAgent(command, state, ctx);
    case "DefineOrderType":
      return defineOrderType(command, state);
    case "AddProduct":
    case "UpdateProduct":
      return saveProduct(command, state, ctx);
    case "DiscontinueProduct":
      return discontinueProduct(command, state, ctx);
    case "SetGenericPrice":
      return setGenericPrice(command, state, ctx);
    case "RemoveGenericPrice":
      return removeGenericPrice(command, state, ctx);
    case "AddCustomer":
      return addCustomer(command, state, ctx);
    case "UpdateCustomer":
      return updateCustomer(command, state);
    case "ReassignCustomer":
      return reassignCustomer(command, state, ctx);
    case "RenameCustomer":
      return renameCustomer(command, state, ctx);
    case "SetSpecialPrice":
      return setSpecialPrice(command, state, ctx);
    case "RemoveSpecialPrice":
      return removeSpecialPrice(command, state, ctx);
    case "PlaceOrder":
      return placeOrder(command, state, ctx);
    case "AmendOrder":
      return amendOrder(command, state);
    case "CancelOrder":
      return cancelOrder(command, state);
  }
}

function sedeOnly(ctx: DecideContext, what: string): void {
  if (ctx.role !== "sede") {
    throw new RefusedError("role", `${what}: only the sede can do this (this node is agent ${ctx.node})`, {
      code: "SEDE_ONLY",
      say: { key: "refused.sedeOnly", params: { what, node: ctx.node } },
    });
  }
}

/** What a code must look like: the English hint, and the catalogue message that says it. */
const HINTS = {
  agentCode: { text: "1 to 8 capital letters or digits, e.g. AG01", key: "refused.badCode.agentCode" },
  code8: { text: "1 to 8 capital letters or digits", key: "refused.badCode.code8" },
  product: { text: "letters, digits and . _ / - (at most 40)", key: "refused.badCode.product" },
  unit: { text: "1 to 8 letters or digits, e.g. PZ", key: "refused.badCode.unit" },
  list: { text: "letters, digits, _ and - (at most 16)", key: "refused.badCode.list" },
  customer: { text: "1 to 20 letters or digits", key: "refused.badCode.customer" },
} as const;

function requireMatch(value: string | undefined, field: string, pattern: RegExp, hintOf: keyof typeof HINTS): string {
  const hint = HINTS[hintOf].text;
  if (value === undefined || value === "") throw new RefusedError(field, `${field} is required`, { code: "MISSING", say: { key: "refused.required", params: { field } } });
  if (!pattern.test(value)) throw new RefusedError(field, `${field} "${value}" is not valid: ${hint}`, { code: "BAD_CODE", say: say(HINTS[hintOf].key, { field, value }) });
  return value;
}

function requireText(value: string | undefined, field: string, max = 200): string {
  const text = value?.trim() ?? "";
  if (text === "") throw new RefusedError(field, `${field} is required and must not be blank`, { code: "MISSING", say: say("refused.blank", { field }) });
  if (text.length > max) throw new RefusedError(field, `${field} is longer than ${max} characters`, { code: "TOO_LONG", say: say("refused.tooLong", { field, max }) });
  // Control characters would break CSV exports and terminals.
  if (/[\u0000-\u001f\u007f]/.test(text)) {
    throw new RefusedError(field, `${field} contains a control character`, { code: "BAD_TEXT", say: say("refused.controlChar", { field }) });
  }
  return text;
}

function optionalText(value: string | undefined, field: string, max = 200): string | null {
  return value === undefined || value.trim() === "" ? null : requireText(value, field, max);
}

function registerAgent(c: Extract<Command, { kind: "RegisterAgent" }>, state: DomainState, ctx: DecideContext): Decision {
  sedeOnly(ctx, "agent add");
  const code = requireMatch(c.code, "code", NODE_ID, "agentCode");
  if (code === ctx.node) throw new RefusedError("code", `code "${code}" is the sede's own node id`, { code: "DUPLICATE", say: say("refused.sedeOwnCode", { code }) });
  if (state.agent(code)) throw new RefusedError("code", `agent ${code} already exists`, { code: "DUPLICATE", say: { key: "refused.agentExists", params: { code } } });
  const name = requireText(c.name, "name");
  const orderType = requireMatch(c.orderType ?? code, "order-type", NODE_ID, "code8");
  const prefix = requireMatch(c.customerPrefix ?? code, "customer-prefix", /^[A-Z0-9]{1,8}$/, "code8");
  const digitsText = c.customerDigits ?? String(AGENT_DIGITS);
  if (!/^\d{1,2}$/.test(digitsText) || Number(digitsText) < 3 || Number(digitsText) > 12) {
    throw new RefusedError("customer-digits", `customer-digits "${digitsText}" must be a whole number from 3 to 12`, { code: "BAD_NUMBER", say: say("refused.customerDigits", { value: digitsText }) });
  }
  const digits = Number(digitsText);
  const existingType = state.orderType(orderType);
  if (existingType && existingType.agent !== null && existingType.agent !== code) {
    throw new RefusedError("order-type", `order type ${orderType} already belongs to agent ${existingType.agent}`, {
      code: "DUPLICATE",
      say: say("refused.orderTypeTaken", { type: orderType, agent: existingType.agent }),
    });
  }
  if (existingType && existingType.agent === null) {
    throw new RefusedError("order-type", `order type ${orderType} is the sede's own; pick another for agent ${code}`, {
      code: "DUPLICATE",
      say: say("refused.orderTypeOffice", { type: orderType, agent: code }),
    });
  }
  // No code of the new series may be one the sede's own series or another agent's can produce
  // (DESIGN §3: codes never collide by construction).
  const series = { prefix, digits };
  const sede = { prefix: ctx.customerPrefix, digits: ctx.customerDigits };
  const others = [
    { who: "the sede's own series", agent: null, ...sede },
    ...state.agents().map((a) => ({ who: `agent ${a.code}'s series`, agent: a.code, prefix: a.customerPrefix, digits: a.customerDigits })),
  ];
  for (const other of others) {
    const clash = seriesOverlap(series, other);
    if (clash !== undefined) {
      throw new RefusedError(
        "customer-prefix",
        `customer-prefix ${prefix} with customer-digits ${digits} would give agent ${code} codes like ${clash}, which ${other.who} (${other.prefix}${"N".repeat(other.digits)}) also produces; pick a prefix with letters, or another number of digits`,
        {
          code: "OVERLAP",
          say:
            other.agent === null
              ? say("refused.seriesOverlap.sede", { prefix, digits, agent: code, example: clash, other: `${other.prefix}${"N".repeat(other.digits)}` })
              : say("refused.seriesOverlap.agent", { prefix, digits, agent: code, example: clash, owner: other.agent, other: `${other.prefix}${"N".repeat(other.digits)}` }),
        },
      );
    }
  }
  const events: DraftEvent[] = [
    { type: "AgentRegistered", data: { code, name, orderType, customerPrefix: prefix, customerDigits: digits } },
  ];
  if (!existingType) {
    events.push({ type: "OrderTypeDefined", data: { code: orderType, description: `Orders of agent ${code}`, agent: code } });
  }
  return { events };
}

function defineOrderType(c: Extract<Command, { kind: "DefineOrderType" }>, state: DomainState): Decision {
  const code = requireMatch(c.code, "order-type", NODE_ID, "code8");
  if (state.orderType(code)) throw new RefusedError("order-type", `order type ${code} already exists`, { code: "DUPLICATE", say: say("refused.orderTypeExists", { type: code }) });
  return {
    events: [{ type: "OrderTypeDefined", data: { code, description: requireText(c.description, "description"), agent: c.agent } }],
  };
}

function saveProduct(
  c: Extract<Command, { kind: "AddProduct" | "UpdateProduct" }>,
  state: DomainState,
  ctx: DecideContext,
): Decision {
  sedeOnly(ctx, c.kind === "AddProduct" ? "product add" : "product update");
  const code = requireMatch(c.code, "code", PRODUCT_CODE, "product");
  const current = state.product(code);
  if (c.kind === "AddProduct" && current) {
    throw new RefusedError("code", `product ${code} already exists (use product update to change it)`, { code: "DUPLICATE", say: { key: "refused.productExists", params: { code } } });
  }
  if (c.kind === "UpdateProduct" && !current) {
    throw new RefusedError("code", `product ${code} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownProduct", params: { code } } });
  }
  const data = {
    code,
    description: c.description !== undefined ? requireText(c.description, "description") : requireText(current?.description, "description"),
    unit: c.unit !== undefined ? requireMatch(c.unit, "unit", /^[A-Za-z0-9.]{1,8}$/, "unit") : (current?.unit ?? "PZ"),
    vat: c.vat !== undefined ? parseDecimal(c.vat, "vat", VAT_RATE) : (current?.vat ?? "22"),
  };
  if (current && current.active && current.description === data.description && current.unit === data.unit && current.vat === data.vat) {
    return { events: [], unchanged: `product ${code} is already so` };
  }
  return { events: [{ type: "ProductSaved", data }] };
}

function discontinueProduct(c: Extract<Command, { kind: "DiscontinueProduct" }>, state: DomainState, ctx: DecideContext): Decision {
  sedeOnly(ctx, "product discontinue");
  const current = state.product(c.code);
  if (!current) throw new RefusedError("code", `product ${c.code} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownProduct", params: { code: c.code } } });
  if (!current.active) return { events: [], unchanged: `product ${c.code} is already discontinued` };
  return { events: [{ type: "ProductDiscontinued", data: { code: c.code } }] };
}

function setGenericPrice(c: Extract<Command, { kind: "SetGenericPrice" }>, state: DomainState, ctx: DecideContext): Decision {
  sedeOnly(ctx, "price set");
  const list = requireMatch(c.list, "list", LIST_CODE, "list");
  const product = requireMatch(c.product, "product", PRODUCT_CODE, "product");
  if (!state.product(product)) throw new RefusedError("product", `product ${product} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownProduct", params: { code: product } } });
  const price = parseDecimal(c.price, "price", MONEY);
  if (state.genericPrice(list, product) === price) return { events: [], unchanged: `list ${list} already has ${product} at ${price}` };
  const events: DraftEvent[] = [];
  if (!state.priceList(list)) events.push({ type: "PriceListSaved", data: { code: list, description: `List ${list}` } });
  events.push({ type: "GenericPriceSet", data: { list, product, price } });
  return { events };
}

function removeGenericPrice(c: Extract<Command, { kind: "RemoveGenericPrice" }>, state: DomainState, ctx: DecideContext): Decision {
  sedeOnly(ctx, "price remove");
  if (state.genericPrice(c.list, c.product) === undefined) {
    throw new RefusedError("product", `list ${c.list} has no price for product ${c.product}`, { code: "UNKNOWN", say: { key: "refused.noListPrice", params: { list: c.list, product: c.product } } });
  }
  return { events: [{ type: "GenericPriceRemoved", data: { list: c.list, product: c.product } }] };
}

/** Digits an agent's customer codes have after its prefix, unless `agent add --customer-digits` says otherwise. */
export const AGENT_DIGITS = 6;

/**
 * A code both series `prefix` + `digits` digits can produce, or undefined when they share none.
 * Pure: equal lengths, and the longer prefix is the shorter one followed by digits only.
 */
export function seriesOverlap(a: { prefix: string; digits: number }, b: { prefix: string; digits: number }): string | undefined {
  if (a.prefix.length + a.digits !== b.prefix.length + b.digits) return undefined;
  const [short, long] = a.prefix.length <= b.prefix.length ? [a, b] : [b, a];
  if (!long.prefix.startsWith(short.prefix) || !/^\d*$/.test(long.prefix.slice(short.prefix.length))) return undefined;
  return `${long.prefix}${"0".repeat(long.digits - 1)}1`;
}

export function inSeries(code: string, prefix: string, digits: number): boolean {
  return code.length === prefix.length + digits && code.startsWith(prefix) && /^\d+$/.test(code.slice(prefix.length));
}

function addCustomer(c: Extract<Command, { kind: "AddCustomer" }>, state: DomainState, ctx: DecideContext): Decision {
  const name = requireText(c.name, "name");
  let agent: string | null = null;
  if (ctx.role === "agent") {
    if (c.agent !== undefined && c.agent !== ctx.node) {
      throw new RefusedError("agent", `an agent creates customers for itself only (this node is ${ctx.node}, got ${c.agent})`, {
        say: say("refused.agentOwnCustomers", { node: ctx.node, agent: c.agent }),
      });
    }
    agent = ctx.node;
  } else if (c.agent !== undefined) {
    if (!state.agent(c.agent)) throw new RefusedError("agent", `agent ${c.agent} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownAgent", params: { code: c.agent } } });
    agent = c.agent;
  }
  const list = c.list === undefined ? null : c.list;
  if (list !== null && !state.priceList(list)) throw new RefusedError("list", `price list ${list} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownList", params: { code: list } } });
  let code: string;
  if (c.code !== undefined) {
    code = requireMatch(c.code, "code", CUSTOMER_CODE, "customer");
    if (state.customer(code)) throw new RefusedError("code", `customer ${code} already exists`, { code: "DUPLICATE", say: { key: "refused.customerExists", params: { code } } });
    if (ctx.role === "agent" && !inSeries(code, ctx.customerPrefix, ctx.customerDigits)) {
      throw new RefusedError(
        "code",
        `customer code ${code} is outside this agent's series (${ctx.customerPrefix} followed by ${ctx.customerDigits} digits), so it could collide with another node's`,
        { code: "BAD_CODE", say: say("refused.outsideSeries", { code, prefix: ctx.customerPrefix, digits: ctx.customerDigits }) },
      );
    }
    if (ctx.role === "sede") {
      const owner = state.agents().find((a) => inSeries(code, a.customerPrefix, a.customerDigits));
      if (owner) {
        throw new RefusedError("code", `customer code ${code} is in agent ${owner.code}'s series; the sede must not use it`, {
          code: "BAD_CODE",
          say: say("refused.agentSeries", { code, agent: owner.code }),
        });
      }
    }
  } else {
    const next = state.lastCustomerNumber(ctx.customerPrefix, ctx.customerDigits) + 1;
    if (next >= 10 ** ctx.customerDigits) {
      throw new RefusedError("code", `the customer code series ${ctx.customerPrefix}+${ctx.customerDigits} digits is full`, {
        say: say("refused.seriesFull", { prefix: ctx.customerPrefix, digits: ctx.customerDigits }),
      });
    }
    code = ctx.customerPrefix + String(next).padStart(ctx.customerDigits, "0");
  }
  const data: CustomerState = {
    code,
    name,
    agent,
    list,
    vatNumber: optionalText(c.vatNumber, "vat-number", 32),
    city: optionalText(c.city, "city", 100),
  };
  return { events: [{ type: "CustomerCreated", data }], assigned: code };
}

function requireCustomer(state: DomainState, code: string, field = "customer"): CustomerView {
  const customer = state.customer(code);
  if (!customer) throw new RefusedError(field, `customer ${code} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownCustomer", params: { code } } });
  return customer;
}

/** Who a customer belongs to, in a sentence: `agent AG01` or `no agent`. */
/** "Customer C1 belongs to …, the update says …": by whose it is and whether the update names an agent. */
function movesSay(customer: string, owner: string | null, says: string | null): Say {
  if (owner === null) return says === null ? say("refused.updateMoves.officeNone", { customer }) : say("refused.updateMoves.office", { customer, says });
  return says === null ? say("refused.updateMoves.agentNone", { customer, owner }) : say("refused.updateMoves.agent", { customer, owner, says });
}

function ownerName(agent: string | null): string {
  return agent === null ? "no agent" : `agent ${agent}`;
}

function updateCustomer(c: Extract<Command, { kind: "UpdateCustomer" }>, state: DomainState): Decision {
  const current = requireCustomer(state, c.code, "code");
  // Moving a customer would also move its special prices and its stream (DESIGN §3,
  // reassignment), which an update does not do: say so rather than drop the agent asked for.
  if (c.agent !== undefined && c.agent !== current.agent) {
    throw new RefusedError(
      "agent",
      `customer ${current.code} belongs to ${ownerName(current.agent)}, the update says ${c.agent ?? "none"}: an update does not move a customer to another agent`,
      { code: MOVES_CUSTOMER, say: movesSay(current.code, current.agent, c.agent) },
    );
  }
  if (c.name === undefined && c.list === undefined && c.vatNumber === undefined && c.city === undefined) {
    throw new RefusedError("fields", "customer update needs at least one of --name, --list, --vat-number, --city", {
      code: "MISSING",
      say: say("refused.updateNeedsField"),
    });
  }
  if (c.list !== undefined && c.list !== "" && !state.priceList(c.list)) {
    throw new RefusedError("list", `price list ${c.list} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownList", params: { code: c.list } } });
  }
  const next: CustomerState = {
    code: current.code,
    name: c.name !== undefined ? requireText(c.name, "name") : current.name,
    agent: current.agent,
    list: c.list !== undefined ? (c.list === "" ? null : c.list) : current.list,
    vatNumber: c.vatNumber !== undefined ? optionalText(c.vatNumber, "vat-number", 32) : current.vatNumber,
    city: c.city !== undefined ? optionalText(c.city, "city", 100) : current.city,
  };
  if (next.name === current.name && next.list === current.list && next.vatNumber === current.vatNumber && next.city === current.city) {
    return { events: [], unchanged: `customer ${current.code} is already so` };
  }
  return { events: [{ type: "CustomerUpdated", data: { ...next, createdBy: current.createdBy } }] };
}

/**
 * The customer a sede command names: with a duplicate code (two creators), `origin` says which,
 * and is required.
 */
function pickCustomer(state: DomainState, code: string, origin: string | undefined, doing: string): CustomerView {
  const all = state.customersWithCode(code);
  if (all.length === 0) throw new RefusedError("code", `${doing}: no customer has the code ${code}`, { code: "UNKNOWN", say: say("refused.noCustomerCode", { doing, code }) });
  if (origin !== undefined) {
    const chosen = all.find((c) => c.createdBy === origin);
    if (!chosen) {
      throw new RefusedError("origin", `${doing}: no customer ${code} was created by ${origin} (created by: ${all.map((c) => c.createdBy).join(", ")})`, {
        code: "UNKNOWN",
        say: say("refused.noCustomerBy", { doing, code, origin, creators: all.map((c) => c.createdBy).join(", ") }),
      });
    }
    return chosen;
  }
  if (all.length > 1) {
    throw new RefusedError("origin", `${doing}: two customers have the code ${code} (created by ${all.map((c) => c.createdBy).join(" and ")}); say which with --origin`, {
      code: "AMBIGUOUS",
    });
  }
  return all[0] as CustomerView;
}

/** The special prices of `customer` as the sede holds them, tombstones included, to hand over. */
function handedPrices(state: DomainState, customer: string): HandedPrice[] {
  return state.specialPricesOf(customer).map((p) => ({
    product: p.product,
    price: p.removed ? null : p.price,
    discounts: p.removed ? [] : p.discounts,
    hlc: p.hlc,
    origin: p.origin,
    id: p.eventId,
  }));
}

function reassignCustomer(c: Extract<Command, { kind: "ReassignCustomer" }>, state: DomainState, ctx: DecideContext): Decision {
  sedeOnly(ctx, "customer assign");
  const customer = pickCustomer(state, c.code, c.origin, "customer assign");
  const to = c.agent;
  if (to !== null && !state.agent(to)) {
    throw new RefusedError("agent", `customer assign: agent ${to} does not exist (use --agent none to give the customer to the office)`, { code: "UNKNOWN", say: say("refused.assignUnknownAgent", { agent: to }) });
  }
  if (to === customer.agent) return { events: [], unchanged: `customer ${customer.code} already belongs to ${ownerName(to)}` };
  const from = customer.agent;
  const moved = { customer: customer.code, createdBy: customer.createdBy, from, to };
  const specialPrices = handedPrices(state, customer.code);
  const { createdBy: _createdBy, ...record } = customer;
  const events: DraftEvent[] = [];
  if (from !== null) events.push({ type: "CustomerReassigned", data: { ...moved, handover: null } });
  const formerCodes = state.formerCodesOf(customer.code, customer.createdBy);
  const handover = { record: { ...record, agent: to }, specialPrices, heard: to === null ? null : state.lastSeqOf(to), ...(formerCodes.length > 0 && { formerCodes }) };
  events.push({ type: "CustomerReassigned", data: { ...moved, handover } });
  return { events };
}

function renameCustomer(c: Extract<Command, { kind: "RenameCustomer" }>, state: DomainState, ctx: DecideContext): Decision {
  sedeOnly(ctx, "customer rename");
  const customer = pickCustomer(state, c.code, c.origin, "customer rename");
  const newCode = requireMatch(c.newCode, "new-code", CUSTOMER_CODE, "customer");
  if (newCode === customer.code) return { events: [], unchanged: `customer ${newCode} already has that code` };
  if (state.customer(newCode)) throw new RefusedError("new-code", `customer rename: the new code ${newCode} is taken by another customer`, { code: "DUPLICATE", say: say("refused.renameTaken", { code: newCode }) });
  if (state.codeDeparted(newCode)) {
    throw new RefusedError("new-code", `customer rename: the new code ${newCode} was used before (by a customer that was moved or renamed); pick another`, { code: "DUPLICATE", say: say("refused.renameUsed", { code: newCode }) });
  }
  // Another agent would number that code one day: it would collide again.
  const owner = state.agents().find((a) => a.code !== customer.agent && inSeries(newCode, a.customerPrefix, a.customerDigits));
  if (owner) {
    throw new RefusedError("new-code", `customer rename: the new code ${newCode} is in agent ${owner.code}'s series, which that agent numbers; pick another`, { code: "BAD_CODE", say: say("refused.renameSeries", { code: newCode, agent: owner.code }) });
  }
  // With a collision the special prices stay with the customer that keeps the code (they are
  // keyed by code: the office cannot tell whose they were).
  const shared = state.customersWithCode(customer.code).length > 1;
  const specialPrices = shared ? [] : handedPrices(state, customer.code);
  return { events: [{ type: "CustomerRenamed", data: { code: customer.code, createdBy: customer.createdBy, newCode, agent: customer.agent, specialPrices } }] };
}

/**
 * An agent changes the special prices of its own customers only (DESIGN §1): those of the
 * sede's customers and of another agent's are theirs to set. `doing` says what was refused.
 */
function requireOwnCustomer(customer: CustomerView, ctx: DecideContext, doing: string): void {
  if (ctx.role === "agent" && customer.agent !== ctx.node) {
    throw new RefusedError(
      "customer",
      `customer ${customer.code} is ${customer.agent === null ? "the sede's" : `agent ${customer.agent}'s`}, not this agent's (${ctx.node}); an agent ${doing} for its own customers only`,
      {
        code: NOT_OWN_CUSTOMER,
        say:
          customer.agent === null
            ? say("refused.notOwnCustomer.office", { customer: customer.code, node: ctx.node })
            : say("refused.notOwnCustomer.agent", { customer: customer.code, owner: customer.agent, node: ctx.node }),
      },
    );
  }
}

function setSpecialPrice(c: Extract<Command, { kind: "SetSpecialPrice" }>, state: DomainState, ctx: DecideContext): Decision {
  requireOwnCustomer(requireCustomer(state, c.customer), ctx, "sets special prices");
  const product = state.product(c.product);
  if (!product) throw new RefusedError("product", `product ${c.product} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownProduct", params: { code: c.product } } });
  const price = parseDecimal(c.price, "price", MONEY);
  const discounts = (c.discounts ?? []).map((d, i) => parseDecimal(d, `discount ${i + 1}`, PERCENT));
  const current = state.specialPrice(c.customer, c.product);
  if (current && !current.removed && current.price === price && current.discounts.join() === discounts.join()) {
    return { events: [], unchanged: `customer ${c.customer} already has ${c.product} at ${price}` };
  }
  return {
    events: [
      {
        type: "SpecialPriceSet",
        data: { customer: c.customer, product: c.product, price, discounts, supersedes: current?.hlc ?? null },
      },
    ],
  };
}

function removeSpecialPrice(c: Extract<Command, { kind: "RemoveSpecialPrice" }>, state: DomainState, ctx: DecideContext): Decision {
  requireOwnCustomer(requireCustomer(state, c.customer), ctx, "removes special prices");
  const current = state.specialPrice(c.customer, c.product);
  if (!current || current.removed) {
    throw new RefusedError("product", `customer ${c.customer} has no special price for product ${c.product}`, {
      code: "UNKNOWN",
      say: { key: "refused.noSpecialPrice", params: { customer: c.customer, product: c.product } },
    });
  }
  return {
    events: [{ type: "SpecialPriceRemoved", data: { customer: c.customer, product: c.product, supersedes: current.hlc } }],
  };
}

function resolveLines(lines: LineInput[], customer: CustomerView, state: DomainState): OrderLine[] {
  if (lines.length === 0) throw new RefusedError("line", "an order needs at least one --line PRODUCT:QTY[@PRICE]", { code: "MISSING", say: { key: "refused.orderNeedsLine", params: {} } });
  return lines.map((line, i) => {
    const field = `line ${i + 1}`;
    const product = state.product(line.product);
    if (!product) throw new RefusedError(`${field} product`, `${field}: product ${line.product} does not exist`, { code: "UNKNOWN", say: { key: "refused.lineUnknownProduct", params: { line: i + 1, code: line.product } } });
    if (!product.active) {
      throw new RefusedError(`${field} product`, `${field}: product ${line.product} is discontinued`, { code: "DISCONTINUED", say: { key: "refused.lineDiscontinued", params: { line: i + 1, code: line.product } } });
    }
    const qty = parseDecimal(line.qty, `${field} quantity`, QUANTITY);
    if (line.price !== undefined) {
      return { product: line.product, qty, price: parseDecimal(line.price, `${field} price`, MONEY), discounts: [] };
    }
    const special = state.specialPrice(customer.code, line.product);
    if (special && !special.removed && special.price !== null) {
      return { product: line.product, qty, price: special.price, discounts: special.discounts };
    }
    const generic = customer.list === null ? undefined : state.genericPrice(customer.list, line.product);
    if (generic !== undefined) return { product: line.product, qty, price: generic, discounts: [] };
    throw new RefusedError(
      `${field} price`,
      `${field}: no price for product ${line.product} (customer ${customer.code} has no special price for it and ${
        customer.list === null ? "no price list" : `list ${customer.list} has no price for it`
      }); give one as ${line.product}:${line.qty}@PRICE`,
      {
        code: "NO_PRICE",
        say:
          customer.list === null
            ? say("refused.noPrice.noList", { line: i + 1, product: line.product, customer: customer.code, qty: line.qty })
            : say("refused.noPrice.list", { line: i + 1, product: line.product, customer: customer.code, list: customer.list, qty: line.qty }),
      },
    );
  });
}

function placeOrder(c: Extract<Command, { kind: "PlaceOrder" }>, state: DomainState, ctx: DecideContext): Decision {
  const customer = requireCustomer(state, c.customer);
  let agent: string | null;
  let type = c.orderType ?? ctx.orderType;
  // An agent's own order type is its own from init (the sede's definition of it arrives with
  // the first sync), so an agent can take orders offline before that.
  const orderType =
    state.orderType(type) ??
    (ctx.role === "agent" && type === ctx.orderType ? { code: type, description: `Orders of agent ${ctx.node}`, agent: ctx.node } : undefined);
  if (!orderType) throw new RefusedError("type", `order type ${type} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownOrderType", params: { code: type } } });
  if (ctx.role === "agent") {
    if (c.agent !== undefined && c.agent !== ctx.node) {
      throw new RefusedError("agent", `--agent is for the sede entering orders on behalf of an agent (this node is ${ctx.node})`, {
        say: say("refused.onBehalfAtAgent", { node: ctx.node }),
      });
    }
    if (orderType.agent !== ctx.node) throw new RefusedError("type", `order type ${type} is not this agent's (${ctx.orderType})`, {
        say: say("refused.notOwnOrderType", { type, own: ctx.orderType }),
      });
    agent = ctx.node;
  } else {
    if (orderType.agent !== null) {
      throw new RefusedError(
        "type",
        `order type ${type} is numbered by agent ${orderType.agent}; the sede enters orders in its own types (e.g. ${ctx.orderType}) with --agent`,
        { say: say("refused.agentOrderType", { type, agent: orderType.agent, own: ctx.orderType }) },
      );
    }
    agent = c.agent ?? null;
    if (agent !== null) {
      if (!state.agent(agent)) throw new RefusedError("agent", `agent ${agent} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownAgent", params: { code: agent } } });
      if (customer.agent !== null && customer.agent !== agent) {
        throw new RefusedError("agent", `customer ${customer.code} belongs to agent ${customer.agent}, not ${agent}`, {
          say: say("refused.customerOfAgent", { customer: customer.code, owner: customer.agent, agent }),
        });
      }
    }
  }
  const date = c.date ?? ctx.today;
  const m = DATE.exec(date);
  if (!m || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) {
    throw new RefusedError("date", `date "${date}" is not a date like 2026-03-31`, { code: "BAD_DATE", say: { key: "refused.badDate", params: { date } } });
  }
  const lines = resolveLines(c.lines, customer, state);
  type = orderType.code;
  const number = state.lastOrderNumber(type) + 1;
  return {
    events: [
      { type: "OrderPlaced", data: { type, number, year: Number(m[1]), date, customer: customer.code, agent, lines } },
    ],
    assigned: `${type}/${number}`,
  };
}

function requireOrder(state: DomainState, type: string, number: number) {
  const order = state.order(type, number);
  if (!order) throw new RefusedError("order", `order ${type}/${number} does not exist`, { code: "UNKNOWN", say: { key: "refused.unknownOrder", params: { order: `${type}/${number}` } } });
  if (order.status === "cancelled") throw new RefusedError("order", `order ${type}/${number} is cancelled`, { code: "CANCELLED", say: { key: "refused.orderCancelled", params: { order: `${type}/${number}` } } });
  return order;
}

function amendOrder(c: Extract<Command, { kind: "AmendOrder" }>, state: DomainState): Decision {
  const order = requireOrder(state, c.type, c.number);
  // The office may have renamed the customer since the order was placed: its prices are under the new code.
  const code = state.customer(order.customer) ? order.customer : state.currentCodeOf(order.customer);
  // Or given it to another agent (or kept it) since: this PC no longer holds it nor its prices
  // (FTP seed 951000181, run 369: refused as "customer does not exist").
  if (!state.customer(code)) {
    const label = `${c.type}/${c.number}`;
    throw new RefusedError("order", `order ${label} is for customer ${order.customer}, which is no longer among this PC's customers (the office moved it): it cannot be changed here; ask the office to change it`, {
      code: "CUSTOMER_MOVED",
      say: { key: "refused.orderCustomerMoved", params: { order: label, code: order.customer } },
    });
  }
  const customer = requireCustomer(state, code);
  const lines = resolveLines(c.lines, customer, state);
  return { events: [{ type: "OrderAmended", data: { order: order.id, type: c.type, number: c.number, lines } }] };
}

function cancelOrder(c: Extract<Command, { kind: "CancelOrder" }>, state: DomainState): Decision {
  const order = requireOrder(state, c.type, c.number);
  return {
    events: [
      { type: "OrderCancelled", data: { order: order.id, type: c.type, number: c.number, reason: optionalText(c.reason, "reason") ?? "" } },
    ],
  };
}
