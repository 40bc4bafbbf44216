/**
 * Commands: what a user asks for, as typed (strings straight from the command line or a file).
 * Deciders validate and canonicalise them; field names in refusals match these properties.
 */
export type Command =
  | { kind: "RegisterAgent"; code: string; name: string; orderType?: string; customerPrefix?: string; customerDigits?: string }
  | { kind: "DefineOrderType"; code: string; description: string; agent: string | null }
  | { kind: "AddProduct"; code: string; description: string; unit?: string; vat?: string }
  | { kind: "UpdateProduct"; code: string; description?: string; unit?: string; vat?: string }
  | { kind: "DiscontinueProduct"; code: string }
  | { kind: "SetGenericPrice"; list: string; product: string; price: string }
  | { kind: "RemoveGenericPrice"; list: string; product: string }
  | {
      kind: "AddCustomer";
      code?: string;
      name: string;
      agent?: string;
      list?: string;
      vatNumber?: string;
      city?: string;
    }
  | {
      kind: "UpdateCustomer";
      code: string;
      name?: string;
      list?: string;
      vatNumber?: string;
      city?: string;
      /**
       * The agent the caller holds the customer to be with (`null`: none), e.g. an imported
       * row's agent column. An update never moves a customer to another agent, so one that
       * differs from the customer's is refused rather than ignored; omit it to leave it unsaid.
       */
      agent?: string | null;
    }
  /** `agent`: the new agent, or null for the office; `origin`: who created the customer, when two share the code. */
  | { kind: "ReassignCustomer"; code: string; agent: string | null; origin?: string }
  | { kind: "RenameCustomer"; code: string; newCode: string; origin?: string }
  | { kind: "SetSpecialPrice"; customer: string; product: string; price: string; discounts?: string[] }
  | { kind: "RemoveSpecialPrice"; customer: string; product: string }
  | {
      kind: "PlaceOrder";
      customer: string;
      lines: LineInput[];
      orderType?: string;
      agent?: string;
      date?: string;
    }
  | { kind: "AmendOrder"; type: string; number: number; lines: LineInput[] }
  | { kind: "CancelOrder"; type: string; number: number; reason?: string };

export interface LineInput {
  product: string;
  qty: string;
  price?: string;
}

export type CommandKind = Command["kind"];
