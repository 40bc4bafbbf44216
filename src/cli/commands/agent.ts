import { closeSync, existsSync, openSync, writeSync } from "node:fs";
import type { Command } from "commander";
import { RefusedError, say } from "../../errors.js";
import { encodeEnrollmentFile, generatePassphrase } from "../../node/enrollment.js";
import { TRANSPORT_NAMES } from "../../node/config.js";
import type { SincroNode } from "../../node/sincroNode.js";
import { type Io, jsonOption, printTable, withNode } from "../io.js";
import { record } from "./record.js";
import type { Translator } from "../../i18n/translator.js";

/** What `agent retire` prints (plain English, for the message catalogue). */
/** What `agent retire` says of the retired agent's customers, one whole message per case. */
const RETIRE_MESSAGES = {
  customers: (t: Translator, agent: string, customers: string[], to: string | null | undefined) => {
    if (customers.length === 0) return t.t("agent.noCustomers", { agent });
    const list = customers.join(", ");
    const n = customers.length;
    if (to === undefined) return t.t("agent.customersKept", { agent, n, list });
    return to === null ? t.t("agent.customersToOffice", { agent, n, list }) : t.t("agent.customersToAgent", { agent, n, to, list });
  },
};

export function registerAgent(program: Command, io: Io): void {
  const agent = program.command("agent").description("the sede's agents");
  agent
    .command("add")
    .description("register an agent (sede)")
    .argument("<code>", "agent code, 1 to 8 capital letters or digits")
    .requiredOption("--name <name>", "the agent's name")
    .option("--order-type <type>", "order type the agent numbers its orders in (default: the agent code)")
    .option("--customer-prefix <prefix>", "prefix of the agent's customer codes (default: the agent code)")
    .option("--customer-digits <n>", "digits of the progressive number after the prefix (default 6)")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { name: string; orderType?: string; customerPrefix?: string; customerDigits?: string };
      record(this, io, {
        kind: "RegisterAgent",
        code,
        name: o.name,
        ...(o.orderType !== undefined && { orderType: o.orderType }),
        ...(o.customerPrefix !== undefined && { customerPrefix: o.customerPrefix }),
        ...(o.customerDigits !== undefined && { customerDigits: o.customerDigits }),
      });
    });
  agent
    .command("enroll")
    .description("sede: write the file that sets up agent CODE's PC (new keys; a PC enrolled before with this code is shut out)")
    .argument("<code>", "a registered agent code")
    .requiredOption("--out <file>", "the enrollment file to write (give it to the agent; the passphrase separately)")
    .action(function (this: Command, code: string) {
      const out = (this.opts() as { out: string }).out;
      if (existsSync(out)) throw new RefusedError("out", `agent enroll: ${out} already exists; choose another --out or remove it`, {
          code: "EXISTS",
          say: say("refused.outExists", { command: "agent enroll", file: out }),
        });
      const given = io.env.SINCRO_PASSPHRASE;
      const passphrase = given !== undefined && given !== "" ? given : generatePassphrase();
      const { bytes, before } = withNode(this, io, (node) => {
        const before = node.keyring.signers(code).length > 0;
        const enrollment = node.enroll(code, parkingSettings(node, io));
        return { bytes: encodeEnrollmentFile(enrollment, passphrase), before };
      });
      // Owner-only: the file carries the agent's private keys and the parking area's password.
      const fd = openSync(out, "wx", 0o600);
      try {
        writeSync(fd, bytes);
      } finally {
        closeSync(fd);
      }
      io.out(io.t.t("agent.enrolled", { agent: code, file: out }));
      if (given === undefined || given === "") io.out(io.t.t("agent.passphrase", { passphrase }));
      if (before) io.out(io.t.t("agent.replacesPc", { agent: code }));
      io.out(io.t.t("agent.next", { file: out }));
    });
  agent
    .command("retire")
    .description("sede: retire agent CODE; the next sync receives what it had parked, then nothing it sends is accepted and nothing new is readable with its keys")
    .argument("<code>", "a registered agent code")
    .option("--customers-to <agent>", "move its customers to this agent, or none for the office (default: they stay with it at the office)")
    .action(function (this: Command, code: string) {
      const o = this.opts() as { customersTo?: string };
      const to = o.customersTo === undefined ? undefined : o.customersTo === "none" ? null : o.customersTo;
      const { customers } = withNode(this, io, (node) => node.retire(code, to));
      io.out(io.t.t("agent.retired", { agent: code }));
      io.out(RETIRE_MESSAGES.customers(io.t, code, customers, to));
    });
  agent
    .command("list")
    .addOption(jsonOption())
    .action(function (this: Command) {
      const rows = withNode(this, io, (node) => node.read.listAgents());
      if ((this.opts() as { json?: boolean }).json) io.out(JSON.stringify(rows));
      else printTable(io, rows as unknown as Array<Record<string, unknown>>);
    });
}

/** The parking-area settings an agent PC gets: the transport and its keys, password included. */
function parkingSettings(node: SincroNode, io: Io): Record<string, string> {
  const settings: Record<string, string> = {};
  const prefixes = TRANSPORT_NAMES.map((n) => `${n}.`);
  for (const { key, value } of node.configEntries()) {
    // sftp.key names a key file on the office's PC: the agent logs in with its own (or a password).
    if (key === "sftp.key") continue;
    if (key === "transport" || prefixes.some((p) => key.startsWith(p))) settings[key] = value;
  }
  if (io.env.SINCRO_FTP_PASSWORD) settings["ftp.password"] = io.env.SINCRO_FTP_PASSWORD;
  if (io.env.SINCRO_SFTP_PASSWORD) settings["sftp.password"] = io.env.SINCRO_SFTP_PASSWORD;
  return settings;
}
