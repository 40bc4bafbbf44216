// An agent PC set up before enrollment existed, enrolled on its existing database: its
// numbering follows the office's registration when it has recorded nothing yet, and is reported
// when it differs and the PC has already numbered with its own.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SincroNode } from "../../src/node/sincroNode.js";
import { makeNode, run } from "../support/nodes.js";
import { tempDir } from "../support/tempDir.js";

function officeAndOldPc(dir: string) {
  const sede = makeNode(dir, "sede", { role: "sede" });
  run(sede, { kind: "RegisterAgent", code: "AG03", name: "Piero", orderType: "OR03", customerPrefix: "3", customerDigits: "7" });
  // As the README of an earlier sincro showed: `init --role agent --agent AG03`, its own defaults.
  const pc = makeNode(dir, "ag03", { role: "agent", agent: "AG03" });
  return { sede, pc, enrollment: sede.enroll("AG03", {}) };
}

describe("enrolling an existing agent database", () => {
  it("takes the office's order type and customer series when the PC recorded nothing yet", () => {
    const dir = tempDir();
    const { pc, enrollment } = officeAndOldPc(dir);
    expect(pc.adoptEnrollment(enrollment)).toEqual({ adopted: ["orders numbered in type AG03 here, OR03 at the office", "customer codes AG03NNNNNN here, 3NNNNNNN at the office"], differs: [], changes: [{ what: "orderType", here: "AG03", office: "OR03" }, { what: "customerCodes", here: "AG03NNNNNN", office: "3NNNNNNN" }], recordedNothing: true });
    pc.close();
    const reopened = SincroNode.open(join(dir, "ag03.db"));
    expect(reopened.context()).toMatchObject({ orderType: "OR03", customerPrefix: "3", customerDigits: 7 });
    reopened.close();
  });

  it("keeps its own numbering and says how it differs once it has numbered with it", () => {
    const dir = tempDir();
    const { sede, pc, enrollment } = officeAndOldPc(dir);
    // It received the catalogue and entered a customer with its own series.
    run(sede, { kind: "AddProduct", code: "P001", description: "Olio" });
    pc.receive([...sede.log.iterate()].filter((e) => e.type === "ProductSaved"), { chain: "partial" });
    run(pc, { kind: "AddCustomer", name: "Bar" });
    expect(pc.adoptEnrollment(enrollment)).toEqual({ adopted: [], differs: ["orders numbered in type AG03 here, OR03 at the office", "customer codes AG03NNNNNN here, 3NNNNNNN at the office"], changes: [{ what: "orderType", here: "AG03", office: "OR03" }, { what: "customerCodes", here: "AG03NNNNNN", office: "3NNNNNNN" }], recordedNothing: false });
    expect(pc.context()).toMatchObject({ orderType: "AG03", customerPrefix: "AG03", customerDigits: 6 });
  });
});
