import { RefusedError, say } from "../errors.js";
import { IMPORT_COLUMNS, type ImportKind } from "./columns.js";

/** A column sincro reads from an import file (the `list --json` field names). */
export type ImportField = "code" | "description" | "unit" | "vat" | "active" | "list" | "product" | "price" | "customer" | "name" | "agent" | "vatNumber" | "city" | "discounts";

/**
 * The header names `import` reads for each field, Italian and English: compared after
 * {@link normalizeHeader} (any case, accents optional, punctuation and spaces alike), so
 * `Città`, `CITTA` and `citta` are one name, and so are `P.IVA` and `p iva`. The field's own
 * name comes first. The README prints this table (a test keeps the two alike).
 */
export const HEADER_SYNONYMS: Readonly<Record<ImportField, readonly string[]>> = {
  code: ["code", "codice", "cod"],
  description: ["description", "descrizione", "descrizione articolo", "desc"],
  unit: ["unit", "um", "u.m.", "unità di misura", "unità", "unit of measure", "uom"],
  vat: ["vat", "aliquota iva", "aliquota", "iva", "vat rate"],
  active: ["active", "attivo"],
  list: ["list", "listino", "codice listino", "price list"],
  product: ["product", "articolo", "codice articolo", "cod. articolo", "prodotto", "item"],
  price: ["price", "prezzo", "prezzo unitario", "unit price"],
  customer: ["customer", "cliente", "codice cliente", "cod. cliente", "customer code"],
  name: ["name", "ragione sociale", "nome", "denominazione"],
  agent: ["agent", "agente", "codice agente"],
  vatNumber: ["vatNumber", "partita iva", "p.iva", "piva", "vat number", "vat no"],
  city: ["city", "città", "comune", "località", "town"],
  discounts: ["discounts", "sconto", "sconti", "discount"],
};

/**
 * In a file of these kinds, the names of another field stand for the code: a products file's
 * `codice articolo` is the product's code, a customers file's `codice cliente` the customer's.
 */
export const CODE_NAMES: Readonly<Partial<Record<ImportKind, ImportField>>> = {
  products: "product",
  customers: "customer",
};

/** `Città ` → `citta`, `P. IVA` → `p iva`, `vatNumber` → `vatnumber`: lower case, no accents, punctuation as one space. */
export function normalizeHeader(name: string): string {
  return name
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

const BY_NAME: ReadonlyMap<string, ImportField> = new Map(
  (Object.entries(HEADER_SYNONYMS) as Array<[ImportField, readonly string[]]>).flatMap(([field, names]) =>
    names.map((n) => [normalizeHeader(n), field] as const),
  ),
);

/** The fields a file of `kind` reads, required first. */
export function fieldsOf(kind: ImportKind): readonly string[] {
  return [...IMPORT_COLUMNS[kind].required, ...IMPORT_COLUMNS[kind].optional];
}

/** The field of `kind` a header names through the synonyms table, if any. */
export function fieldOfHeader(kind: ImportKind, header: string): string | undefined {
  const field = BY_NAME.get(normalizeHeader(header));
  if (field === undefined) return undefined;
  const fields = fieldsOf(kind);
  if (fields.includes(field)) return field;
  return CODE_NAMES[kind] === field ? "code" : undefined;
}

/** `--map` pairs: a file column (compared like a header) and the field it holds. */
export type ColumnMap = ReadonlyArray<readonly [column: string, field: string]>;

/**
 * Parses `--map` values (`Cod. Art.=code`, split at the last `=`), checking each field is one
 * that a `kind` file reads; throws a {@link RefusedError} naming the field and the valid ones.
 */
export function parseColumnMap(kind: ImportKind, values: readonly string[]): ColumnMap {
  const fields = fieldsOf(kind);
  const seen = new Map<string, string>();
  return values.map((value) => {
    const at = value.lastIndexOf("=");
    const column = at < 0 ? "" : value.slice(0, at).trim();
    const field = at < 0 ? "" : value.slice(at + 1).trim();
    if (column === "" || field === "") {
      throw new RefusedError("map", `import ${kind}: --map "${value}" must be written COLUMN=FIELD, e.g. --map "Cod. Art.=code"`, {
        code: "BAD_MAP",
        say: say("import.mapSyntax", { kind, value }),
      });
    }
    if (!fields.includes(field)) {
      throw new RefusedError("map", `import ${kind}: --map ${column}=${field}: a ${kind} file has no field "${field}"; its fields are ${fields.join(", ")}`, {
        code: "BAD_MAP",
        say: say("import.mapNoField", { kind, column, field, fields: fields.join(", ") }),
      });
    }
    const earlier = seen.get(normalizeHeader(column));
    if (earlier !== undefined) {
      throw new RefusedError("map", `import ${kind}: --map maps column "${column}" twice (to ${earlier} and to ${field})`, {
        code: "BAD_MAP",
        say: say("import.mapTwice", { kind, column, earlier, field }),
      });
    }
    seen.set(normalizeHeader(column), field);
    return [column, field] as const;
  });
}
