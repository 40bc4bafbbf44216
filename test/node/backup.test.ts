import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SincroNode } from "../../src/node/sincroNode.js";
import { makeNode, run } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

describe("backing up a node while it is in use", () => {
  it("copies what is committed, not another process's transaction in progress, and the copy opens as the same node", () => {
    const dir = tempDir();
    const node = makeNode(dir, "sede", { role: "sede" });
    run(node, { kind: "AddProduct", code: "P001", description: "Olio" }, { kind: "AddProduct", code: "P002", description: "Sale" });
    // Another process (a sync, an import) is half-way through a write transaction.
    const other = new Database(node.db.name);
    other.exec("BEGIN IMMEDIATE");
    other.prepare("DELETE FROM products").run();
    const out = join(dir, "copy.db");
    closeSync(openSync(out, "wx", 0o600));
    node.backupTo(out);
    other.exec("ROLLBACK");
    other.close();
    const copy = SincroNode.open(out);
    expect(copy.id).toBe("SEDE");
    expect(copy.read.listProducts().map((p) => p.code)).toEqual(["P001", "P002"]);
    expect(copy.digests()).toEqual(node.digests());
    expect(copy.log.head("SEDE")).toEqual(node.log.head("SEDE"));
    copy.close();
    node.close();
  });
});
