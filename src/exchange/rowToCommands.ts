import { RefusedError, type Say, say } from "../errors.js";
import type { Command } from "../events/commands.js";
import { decide, MOVES_CUSTOMER, NOT_OWN_CUSTOMER } from "../events/decide.js";
import type { DecideContext, DomainState, ProductView } from "../events/domainState.js";
import { DISCOUNT_SEPARATOR, type ImportKind } from "./columns.js";
import type { CsvRow } from "./csvReader.js";
import type { ImportProblem } from "./importRefusedError.js";

/** The commands that bring the node in line with one row, in order; none when it already is. */
export interface RowCommands {
  commands: Command[];
  /** The row's key is not held here yet: recorded, the row counts as new, else as changed. */
  isNew: boolean;
}

/**
 * Maps one row of a `kind` file to the commands a user would type for it (AddProduct or
 * UpdateProduct, SetGenericPrice, …), so the deciders validate it exactly as they validate the
 * command line. A row whose key is held here is decided first against `state`, so a row that
 * changes nothing maps to no command and costs no write. Pure: reads `state`, never writes.
 * Throws a {@link RefusedError} naming the field when the row cannot be a command.
 */
export function rowToCommands(kind: ImportKind, row: CsvRow, state: DomainState, ctx: DecideContext): RowCommands {
  switch (kind) {
    case "products":
      return product(row, state, ctx);
    case "prices": {
      const cmd: Command = { kind: "SetGenericPrice", list: row.list as string, product: row.product as string, price: row.price as string };
      return upsert(state.genericPrice(cmd.list, cmd.product) !== undefined, cmd, state, ctx);
    }
    case "customers":
      return customer(row, state, ctx);
    case "special-prices":
      return specialPrice(row, state, ctx);
  }
}

/** A row with no state here is created at once; one with state is decided first, so an unchanged row maps to nothing. */
function upsert(exists: boolean, command: Command, state: DomainState, ctx: DecideContext): RowCommands {
  if (!exists) return { commands: [command], isNew: true };
  return { commands: decide(command, state, ctx).events.length === 0 ? [] : [command], isNew: false };
}

function product(row: CsvRow, state: DomainState, ctx: DecideContext): RowCommands {
  const code = row.code as string;
  const fields = { code, description: row.description as string, unit: row.unit as string, vat: row.vat as string };
  const active = parseActive(row.active);
  if (active === undefined) throw new RefusedError("active", `"${row.active}" is not true or false`, { say: say("import.p.badActive", { value: row.active ?? "" }) });
  const current = state.product(code);
  if (!current) {
    const commands: Command[] = [{ kind: "AddProduct", ...fields }];
    if (!active) commands.push({ kind: "DiscontinueProduct", code });
    return { commands, isNew: true };
  }
  const update: Command = { kind: "UpdateProduct", ...fields };
  const saved = decide(update, state, ctx).events[0];
  // Saving a discontinued product re-activates it, so the decider reports a change even when
  // only `active` differs; compare the saved fields to tell the two apart.
  const sameFields = saved === undefined || (saved.type === "ProductSaved" && sameProduct(saved.data, current));
  const commands: Command[] = [];
  if (!sameFields || (active && !current.active)) commands.push(update);
  if (!active && (commands.length > 0 || current.active)) commands.push({ kind: "DiscontinueProduct", code });
  return { commands, isNew: false };
}

function customer(row: CsvRow, state: DomainState, ctx: DecideContext): RowCommands {
  const code = row.code as string;
  const current = state.customer(code);
  const agent = row.agent === "" ? null : (row.agent as string);
  if (!current) {
    const create: Command = {
      kind: "AddCustomer",
      code,
      name: row.name as string,
      ...(agent !== null && { agent }),
      ...(row.list !== "" && { list: row.list as string }),
      ...(row.vatNumber !== undefined && row.vatNumber !== "" && { vatNumber: row.vatNumber }),
      ...(row.city !== undefined && row.city !== "" && { city: row.city }),
    };
    return { commands: [create], isNew: true };
  }
  const update: Command = {
    kind: "UpdateCustomer",
    code,
    name: row.name as string,
    list: row.list as string,
    agent,
    ...(row.vatNumber !== undefined && { vatNumber: row.vatNumber }),
    ...(row.city !== undefined && { city: row.city }),
  };
  return upsert(true, update, state, ctx);
}

function specialPrice(row: CsvRow, state: DomainState, ctx: DecideContext): RowCommands {
  const customer = row.customer as string;
  const product = row.product as string;
  const discounts = row.discounts === undefined || row.discounts === "" ? [] : row.discounts.split(DISCOUNT_SEPARATOR).map((d) => d.trim());
  const cmd: Command = { kind: "SetSpecialPrice", customer, product, price: row.price as string, discounts };
  const current = state.specialPrice(customer, product);
  return upsert(current !== undefined && !current.removed, cmd, state, ctx);
}

/**
 * A decider's refusal of `row` (on `line`) as a problem in the file's terms: the column it
 * names, and the reason. The rules are the deciders'; two of their refusals are worded here as
 * a file's, since a row, not a command, is what the user wrote.
 */
export function refusalProblem(err: RefusedError, line: number, row: CsvRow, state: DomainState, ctx: DecideContext): ImportProblem {
  const column = columnOf(err.field);
  const inFile = inFileTerms(err, row, state, ctx);
  // The domain's own refusal ("product P404 does not exist") can be said in the user's language.
  const said = inFile?.say ?? err.say;
  return { line, column, message: inFile?.text ?? detail(err, column), ...(said && { say: said }) };
}

function inFileTerms(err: RefusedError, row: CsvRow, state: DomainState, ctx: DecideContext): { text: string; say: Say } | undefined {
  if (err.code === MOVES_CUSTOMER) {
    const customer = row.code as string;
    const owner = state.customer(customer)?.agent ?? null;
    const says = row.agent ?? "";
    const text = `customer ${row.code} belongs to ${owner === null ? "no agent" : `agent ${owner}`}, the file says ${
      row.agent === "" ? "none" : row.agent
    }: an import does not move a customer to another agent`;
    if (owner === null) return { text, say: says === "" ? say("import.p.movesCustomer.officeNone", { customer }) : say("import.p.movesCustomer.office", { customer, says }) };
    return { text, say: says === "" ? say("import.p.movesCustomer.agentNone", { customer, owner }) : say("import.p.movesCustomer.agent", { customer, owner, says }) };
  }
  if (err.code === NOT_OWN_CUSTOMER) {
    const customer = row.customer as string;
    const owner = state.customer(customer)?.agent ?? null;
    const text = `customer ${row.customer} is ${owner === null ? "the sede's" : `agent ${owner}'s`}, not this agent's (${ctx.node}); an agent imports special prices for its own customers only`;
    return { text, say: owner === null ? say("import.p.notOwn.office", { customer, node: ctx.node }) : say("import.p.notOwn.agent", { customer, owner, node: ctx.node }) };
  }
  return undefined;
}

const TRUE = new Set(["", "true", "1", "yes", "y", "si", "sì", "s"]);
const FALSE = new Set(["false", "0", "no", "n"]);

function parseActive(value: string | undefined): boolean | undefined {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

function sameProduct(a: { description: string; unit: string; vat: string }, b: ProductView): boolean {
  return a.description === b.description && a.unit === b.unit && a.vat === b.vat;
}

/** The CSV column a decider's field name refers to. */
function columnOf(field: string): string {
  if (field === "vat-number") return "vatNumber";
  if (/^discount \d+$/.test(field)) return "discounts";
  return field;
}

/** The decider's message, without repeating the column name when it quotes the value (`price "x" is …`). */
function detail(err: RefusedError, column: string): string {
  return err.field === column && err.message.startsWith(`${column} "`) ? err.message.slice(column.length + 1) : err.message;
}
