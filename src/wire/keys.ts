import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";

/**
 * A node's key material as stored (base64 of raw 32-byte keys): an Ed25519 key that signs every
 * file it writes to the parking area, and an X25519 key that opens the files written for it.
 */
export interface KeyPairs {
  signPublic: string;
  signPrivate: string;
  boxPublic: string;
  boxPrivate: string;
}

/** The public half: what the office vouches for (and what agents know of the office). */
export interface PublicKeys {
  signPublic: string;
  boxPublic: string;
}

// DER prefixes of the PKCS#8 / SPKI encodings of raw Ed25519 and X25519 keys (RFC 8410).
const ED25519_PKCS8 = Buffer.from("302e020100300506032b657004220420", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");

function raw(key: KeyObject, type: "private" | "public"): string {
  const der = type === "private" ? key.export({ format: "der", type: "pkcs8" }) : key.export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32).toString("base64");
}

/** New random keys for a node. */
export function generateKeys(): KeyPairs {
  const sign = generateKeyPairSync("ed25519");
  const box = generateKeyPairSync("x25519");
  return {
    signPublic: raw(sign.publicKey, "public"),
    signPrivate: raw(sign.privateKey, "private"),
    boxPublic: raw(box.publicKey, "public"),
    boxPrivate: raw(box.privateKey, "private"),
  };
}

export function publicKeys(keys: PublicKeys): PublicKeys {
  return { signPublic: keys.signPublic, boxPublic: keys.boxPublic };
}

function rawKey(b64: string, what: string): Buffer {
  const bytes = Buffer.from(b64, "base64");
  if (bytes.length !== 32) throw new Error(`${what} is not a 32-byte key`);
  return bytes;
}

export const signPrivateKey = (b64: string): KeyObject =>
  createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, rawKey(b64, "signing key")]), format: "der", type: "pkcs8" });
export const signPublicKey = (b64: string): KeyObject =>
  createPublicKey({ key: Buffer.concat([ED25519_SPKI, rawKey(b64, "signing public key")]), format: "der", type: "spki" });
export const boxPrivateKey = (raw32: Buffer): KeyObject => createPrivateKey({ key: Buffer.concat([X25519_PKCS8, raw32]), format: "der", type: "pkcs8" });
export const boxPublicKey = (b64: string | Buffer): KeyObject =>
  createPublicKey({
    key: Buffer.concat([X25519_SPKI, typeof b64 === "string" ? rawKey(b64, "encryption public key") : b64]),
    format: "der",
    type: "spki",
  });

/** The X25519 public key (raw, 32 bytes) of a raw private key. */
export function boxPublicOf(raw32: Buffer): Buffer {
  const der = createPublicKey(boxPrivateKey(raw32)).export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32);
}

/** A short, stable name for a public key: the first 16 hex digits of its SHA-256. */
export function keyId(publicB64: string): string {
  return createHash("sha256").update(Buffer.from(publicB64, "base64")).digest("hex").slice(0, 16);
}
