import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { RefusedError, type Say, say } from "../errors.js";
import { NODE_ID } from "../events/nodeIds.js";
import type { KeyPairs, PublicKeys } from "../wire/keys.js";

/**
 * What the sede hands an agent PC (DESIGN §7, README "Enrolling an agent"): who it is, how it
 * numbers, where the parking area is (password included), the office's public keys and the
 * agent's own new keys. Travels only inside a passphrase-encrypted file.
 */
export interface Enrollment {
  format: typeof ENROLLMENT_FORMAT;
  agent: string;
  name: string;
  orderType: string;
  customerPrefix: string;
  customerDigits: number;
  /** Configuration keys of the parking area (`transport`, `ftp.host` …), as the sede has them. */
  parking: Record<string, string>;
  sede: PublicKeys;
  keys: KeyPairs;
  /** Signing keys this agent code had before (a replaced PC): the new PC reads its leftovers with them. */
  previous: string[];
  issued: string;
}

export const ENROLLMENT_FORMAT = "sincro-enrollment/1";
/** scrypt cost: about 0.1 s and 32 MiB here, once per enrollment. */
const KDF = { N: 1 << 15, r: 8, p: 1 } as const;

function derive(passphrase: string, salt: Buffer): Buffer {
  return scryptSync(passphrase.normalize("NFC"), salt, 32, { ...KDF, maxmem: 128 * 1024 * 1024 });
}

/** A passphrase to read out over the phone: 6 groups of 4 letters and digits (about 124 bits). */
export function generatePassphrase(): string {
  const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; // no I, O, 0, 1
  const bytes = randomBytes(24);
  const chars = [...bytes].map((b) => alphabet[b % 32]).join("");
  return chars.match(/.{4}/g)!.join("-");
}

/**
 * A passphrase-protected file (enrollment, key backup; docs/FORMATS.md): a first line naming
 * its format, a JSON line with the scrypt parameters, salt and nonce, and the AES-256-GCM
 * ciphertext of the JSON content in base64. The file says nothing without the passphrase.
 */
export function sealWithPassphrase(format: string, content: object, passphrase: string): Buffer {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", derive(passphrase, salt), nonce);
  const headerLine = JSON.stringify({ kdf: "scrypt", ...KDF, salt: salt.toString("base64"), nonce: nonce.toString("base64") });
  cipher.setAAD(Buffer.from(`${format}\n${headerLine}`, "utf8"));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(content), "utf8"), cipher.final(), cipher.getAuthTag()]);
  return Buffer.from(`${format}\n${headerLine}\n${sealed.toString("base64")}\n`, "utf8");
}

/**
 * Opens a file written by {@link sealWithPassphrase}; refuses (naming `field`, the file and
 * why) one of another format, a wrong passphrase or an altered file.
 */
export function openWithPassphrase(format: string, bytes: Buffer, passphrase: string, field: string, what: string): unknown {
  const refuse = (why: string, said: Say, code = "BAD_FILE"): never => {
    throw new RefusedError(field, `${what}: ${why}`, { code, say: said });
  };
  const text = bytes.toString("utf8");
  if (!text.startsWith(`${format}\n`)) refuse(`not a ${format} file`, say("sealed.notFormat", { what, format }));
  const [headerLine, body] = text.slice(format.length + 1).split("\n");
  let header: { kdf?: string; N?: number; r?: number; p?: number; salt?: string; nonce?: string };
  try {
    header = JSON.parse(headerLine ?? "") as typeof header;
  } catch {
    return refuse("the file is damaged (its header is not readable)", say("sealed.badHeader", { what }));
  }
  if (header.kdf !== "scrypt" || header.N !== KDF.N || header.r !== KDF.r || header.p !== KDF.p || !header.salt || !header.nonce || !body) {
    refuse("the file is damaged or from another version of sincro", say("sealed.damaged", { what }));
  }
  const sealed = Buffer.from(body as string, "base64");
  try {
    const decipher = createDecipheriv("aes-256-gcm", derive(passphrase, Buffer.from(header.salt as string, "base64")), Buffer.from(header.nonce as string, "base64"));
    decipher.setAAD(Buffer.from(`${format}\n${headerLine as string}`, "utf8"));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    return JSON.parse(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - 16)), decipher.final()]).toString("utf8")) as unknown;
  } catch {
    return refuse("wrong passphrase, or the file was altered (check the passphrase you were given)", say("sealed.wrongPassphrase", { what }), "BAD_PASSPHRASE");
  }
}

/** The enrollment file's bytes: `enrollment` encrypted with a key derived from `passphrase`. */
export function encodeEnrollmentFile(enrollment: Enrollment, passphrase: string): Buffer {
  return sealWithPassphrase(ENROLLMENT_FORMAT, enrollment, passphrase);
}

/** Opens an enrollment file; a wrong passphrase or an altered file is refused, naming the file. */
export function decodeEnrollmentFile(bytes: Buffer, passphrase: string, file: string): Enrollment {
  const what = `init --enroll ${file}`;
  if (!bytes.toString("utf8").startsWith(`${ENROLLMENT_FORMAT}\n`)) {
    throw new RefusedError("enroll", `${what}: not a sincro enrollment file (ask the office for the file written by "sincro agent enroll")`, {
      code: "BAD_FILE",
      say: say("enroll.notEnrollment", { what }),
    });
  }
  const e = openWithPassphrase(ENROLLMENT_FORMAT, bytes, passphrase, "enroll", what) as Enrollment;
  if (e.format !== ENROLLMENT_FORMAT || typeof e.agent !== "string" || !NODE_ID.test(e.agent) || !e.keys || !e.sede) {
    throw new RefusedError("enroll", `${what}: the file does not hold a complete enrollment`, { code: "BAD_FILE", say: say("enroll.incomplete", { what }) });
  }
  return e;
}

export const KEY_BACKUP_FORMAT = "sincro-key-backup/1";

/** The sede's keys, as `sincro key backup` saves them. */
export interface KeyBackup {
  format: typeof KEY_BACKUP_FORMAT;
  node: string;
  keys: KeyPairs;
  saved: string;
}
