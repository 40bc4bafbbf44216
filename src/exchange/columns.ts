/**
 * The CSV files exchanged with the sede's ERP (DESIGN §6): column names are the `list --json`
 * field names (import also reads their Italian and English synonyms, `headers.ts`). Import
 * reads the required columns (and the optional ones when the header names them) and ignores
 * any other; export writes the required columns, then the extras.
 */

/** What `sincro import` reads. */
export const IMPORT_KINDS = ["products", "prices", "customers", "special-prices"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/** What `sincro export` writes as CSV. */
export const EXPORT_KINDS = ["products", "prices", "customers", "special-prices", "orders"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** The columns of one kind of import file. */
export interface ImportColumns {
  /** Columns the header must name. */
  required: readonly string[];
  /** Columns read only when the header names them. */
  optional: readonly string[];
  /** Columns whose cells must not be empty. */
  nonEmpty: readonly string[];
  /** Columns that identify a row: a second row with the same values is a duplicate. */
  key: readonly string[];
  /** Columns holding numbers as the ERP writes them (`1.234,56`); discounts are several, `+` separated. */
  numeric: readonly string[];
  /** Only the sede imports this kind. */
  sedeOnly: boolean;
}

export const IMPORT_COLUMNS: Record<ImportKind, ImportColumns> = {
  products: {
    required: ["code", "description", "unit", "vat"],
    optional: ["active"],
    nonEmpty: ["code", "description", "unit", "vat"],
    key: ["code"],
    numeric: ["vat"],
    sedeOnly: true,
  },
  prices: {
    required: ["list", "product", "price"],
    optional: [],
    nonEmpty: ["list", "product", "price"],
    key: ["list", "product"],
    numeric: ["price"],
    sedeOnly: true,
  },
  customers: {
    required: ["code", "name", "agent", "list"],
    optional: ["vatNumber", "city"],
    nonEmpty: ["code", "name"],
    key: ["code"],
    numeric: [],
    sedeOnly: true,
  },
  "special-prices": {
    required: ["customer", "product", "price"],
    optional: ["discounts"],
    nonEmpty: ["customer", "product", "price"],
    key: ["customer", "product"],
    numeric: ["price", "discounts"],
    sedeOnly: false,
  },
};

/** The header each export writes (the import columns first, so an export imports back). */
export const EXPORT_COLUMNS: Record<ExportKind, readonly string[]> = {
  products: ["code", "description", "unit", "vat", "active"],
  prices: ["list", "product", "price"],
  customers: ["code", "name", "agent", "list", "vatNumber", "city", "origin"],
  "special-prices": ["customer", "product", "price", "discounts", "origin"],
  orders: ["type", "number", "date", "customer", "agent", "product", "qty", "price", "origin", "line", "discounts", "status", "changed"],
};

/** The columns of each export that hold decimals (written with a comma by `--decimal-comma`). */
export const EXPORT_DECIMALS: Record<ExportKind, readonly string[]> = {
  products: ["vat"],
  prices: ["price"],
  customers: [],
  "special-prices": ["price", "discounts"],
  orders: ["qty", "price", "discounts"],
};

/** Cascading discounts in one cell: `10+5`. */
export const DISCOUNT_SEPARATOR = "+";
