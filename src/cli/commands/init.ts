import { existsSync, readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { SincroNode } from "../../node/sincroNode.js";
import { RefusedError, say } from "../../errors.js";
import { decodeEnrollmentFile, KEY_BACKUP_FORMAT, openWithPassphrase, type KeyBackup } from "../../node/enrollment.js";
import { type Io, dbPath } from "../io.js";
import { readPassphrase } from "../passphrase.js";

export function registerInit(program: Command, io: Io): void {
  program
    .command("init")
    .description("create the sede's database (--role sede), or set up an agent's PC from the office's enrollment file (--enroll FILE)")
    .addOption(new Option("--role <role>", "sede (an agent PC is set up with --enroll)").choices(["sede", "agent"]))
    .option("--enroll <file>", "the enrollment file the office wrote with 'sincro agent enroll' (passphrase: SINCRO_PASSPHRASE or asked)")
    .option("--restore-key <file>", "sede only: take the office's keys from a 'sincro key backup' file (a replaced office PC)")
    .option("--agent <code>", "(not used: the agent code comes from the enrollment file)")
    .option("--customer-prefix <prefix>", "customer codes start with this (sede; default none)")
    .option("--customer-digits <n>", "digits of the customer code's progressive number (sede; default 6)")
    .option("--order-type <type>", "order type the sede numbers its orders in (default SEDE)")
    .action(function (this: Command) {
      const o = this.opts() as {
        role?: "sede" | "agent";
        enroll?: string;
        restoreKey?: string;
        agent?: string;
        customerPrefix?: string;
        customerDigits?: string;
        orderType?: string;
      };
      const file = dbPath(this, io);
      if (o.enroll !== undefined) return initFromEnrollment(io, file, o);
      if (o.role === undefined) throw new RefusedError("role", "init needs --role sede (at the office) or --enroll FILE (on an agent's PC)", {
          code: "MISSING",
          say: say("init.refused.noRole"),
        });
      if (o.role === "agent") {
        throw new RefusedError(
          "role",
          `an agent's PC is set up from the office's enrollment file: ask the office to run "sincro agent enroll ${o.agent ?? "CODE"} --out FILE" and to give you the file and its passphrase, then run "sincro init --enroll FILE"`,
          { code: "NOT_ENROLLED", say: say("init.refused.agentRole", { agent: o.agent ?? "CODE" }) },
        );
      }
      let digits: number | undefined;
      if (o.customerDigits !== undefined) {
        if (!/^\d{1,2}$/.test(o.customerDigits)) throw new RefusedError("customer-digits", `--customer-digits "${o.customerDigits}" must be a whole number from 3 to 12`, {
            say: say("refused.customerDigits", { value: o.customerDigits }),
          });
        digits = Number(o.customerDigits);
      }
      const backup = o.restoreKey !== undefined ? readKeyBackup(io, o.restoreKey) : undefined;
      const node = SincroNode.init(file, {
        role: "sede",
        ...(o.agent !== undefined && { agent: o.agent }),
        ...(o.customerPrefix !== undefined && { customerPrefix: o.customerPrefix }),
        ...(digits !== undefined && { customerDigits: digits }),
        ...(o.orderType !== undefined && { orderType: o.orderType }),
        ...(backup && { keys: backup.keys }),
      });
      const ctx = node.context();
      node.close();
      io.out(backup ? io.t.t("init.sedeRestored", { node: ctx.node, file, backup: o.restoreKey ?? "" }) : io.t.t("init.sede", { node: ctx.node, file }));
      io.out(io.t.t("init.numbering", { codes: `${ctx.customerPrefix}${"N".repeat(ctx.customerDigits)}`, type: ctx.orderType }));
    });
}

function initFromEnrollment(io: Io, file: string, o: { enroll?: string; role?: string; restoreKey?: string; agent?: string; customerPrefix?: string; customerDigits?: string; orderType?: string }): void {
  const enrollFile = o.enroll as string;
  if (o.role === "sede") throw new RefusedError("enroll", "--enroll sets up an agent's PC; the sede is created with --role sede alone", { say: say("init.refused.enrollSede") });
  if (o.restoreKey !== undefined) throw new RefusedError("restore-key", "--restore-key is for the sede; an agent's keys come in its enrollment file", { say: say("init.refused.restoreKeyAgent") });
  for (const [flag, value] of [
    ["agent", o.agent],
    ["customer-prefix", o.customerPrefix],
    ["customer-digits", o.customerDigits],
    ["order-type", o.orderType],
  ] as const) {
    if (value !== undefined) throw new RefusedError(flag, `--${flag} is set by the office in the enrollment file; leave it out`, { say: say("init.refused.setByOffice", { flag }) });
  }
  if (!existsSync(enrollFile)) throw new RefusedError("enroll", `init --enroll ${enrollFile}: no such file`, { code: "NO_FILE", say: say("init.refused.noFile", { option: "--enroll", file: enrollFile }) });
  const enrollment = decodeEnrollmentFile(readFileSync(enrollFile), readPassphrase(io, `passphrase of ${enrollFile}: `), enrollFile);
  if (existsSync(file)) {
    // An agent PC set up before enrollment existed (or re-enrolled on the same database).
    const node = SincroNode.open(file);
    let numbering: ReturnType<SincroNode["adoptEnrollment"]>;
    try {
      numbering = node.adoptEnrollment(enrollment);
    } finally {
      node.close();
    }
    io.out(io.t.t("init.agentExisting", { agent: enrollment.agent, name: enrollment.name, file }));
    // One whole message per case: adopted (nothing recorded here yet) or kept, order type or customer codes.
    for (const c of numbering.changes) {
      const params = { here: c.here, office: c.office };
      if (numbering.recordedNothing) io.out(io.t.t(c.what === "orderType" ? "init.adopted.orderType" : "init.adopted.customerCodes", params));
      else io.out(io.t.t(c.what === "orderType" ? "init.differs.orderType" : "init.differs.customerCodes", params));
    }
    return;
  }
  const node = SincroNode.init(file, { role: "agent", enrollment });
  const ctx = node.context();
  node.close();
  io.out(io.t.t("init.agent", { node: ctx.node, name: enrollment.name, file }));
  io.out(
    io.t.t("init.agentNumbering", {
      codes: `${ctx.customerPrefix}${"N".repeat(ctx.customerDigits)}`,
      type: ctx.orderType,
      transport: enrollment.parking.transport ?? io.t.t("init.notSet"),
    }),
  );
}

function readKeyBackup(io: Io, file: string): KeyBackup {
  if (!existsSync(file)) throw new RefusedError("restore-key", `init --restore-key ${file}: no such file`, { code: "NO_FILE", say: say("init.refused.noFile", { option: "--restore-key", file }) });
  const backup = openWithPassphrase(KEY_BACKUP_FORMAT, readFileSync(file), readPassphrase(io, `passphrase of ${file}: `), "restore-key", `init --restore-key ${file}`) as KeyBackup;
  if (backup.format !== KEY_BACKUP_FORMAT || backup.node !== "SEDE" || !backup.keys?.signPrivate) {
    throw new RefusedError("restore-key", `init --restore-key ${file}: the file does not hold the office's keys`, { code: "BAD_FILE", say: say("init.refused.notOfficeKeys", { file }) });
  }
  return backup;
}
