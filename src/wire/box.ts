import { createCipheriv, createDecipheriv, createHash, createHmac, diffieHellman, hkdfSync, sign, verify } from "node:crypto";
import { SegmentError } from "../errors.js";
import { boxPrivateKey, boxPublicKey, boxPublicOf, keyId, signPrivateKey, signPublicKey, type KeyPairs } from "./keys.js";

/**
 * The envelope of every file a node writes to the parking area (docs/FORMATS.md, "Signed and
 * encrypted files"): the inner bytes (a gzip segment or snapshot, an ack …), encrypted for the
 * folder's readers when it has any, and signed by the writer over the file's path and every
 * byte before the signature. Sealing is deterministic: the same path, bytes, writer and readers
 * always give the same file, so a retried upload is recognised as the same file.
 */
export const BOX_MAGIC = "sincro-box/1\n";
const MAGIC = Buffer.from(BOX_MAGIC, "utf8");
const SIGNATURE_BYTES = 64;
/** The most a box header may take: room for thousands of readers, never a memory problem. */
export const MAX_BOX_HEADER = 1 << 20;

interface BoxHeader {
  /** The writer's node id and the id of the signing key it used. */
  signer: string;
  key: string;
  /** Length of the body (ciphertext with its 16-byte tag, or the plain bytes). */
  size: number;
  enc: null | {
    /** The file's ephemeral X25519 public key, its AES-256-GCM nonce, and one wrapped key per reader: [node, key id, wrapped]. */
    epk: string;
    nonce: string;
    to: Array<[node: string, key: string, wrapped: string]>;
  };
}

export interface Reader {
  node: string;
  boxPublic: string;
}

const hmac = (key: Buffer, ...parts: string[]): Buffer => createHmac("sha256", key).update(parts.join("\0"), "utf8").digest();

function wrapKey(shared: Buffer, epk: Buffer, readerPublic: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", shared, Buffer.concat([epk, readerPublic]), "sincro-box/1 wrap", 32));
}

function aeadSeal(key: Buffer, nonce: Buffer, plain: Buffer, aad: Buffer): Buffer {
  const c = createCipheriv("aes-256-gcm", key, nonce);
  c.setAAD(aad);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function aeadOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < 16) return undefined;
  try {
    const d = createDecipheriv("aes-256-gcm", key, nonce);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - 16));
    return Buffer.concat([d.update(sealed.subarray(0, sealed.length - 16)), d.final()]);
  } catch {
    return undefined;
  }
}

const signedText = (path: string): Buffer => Buffer.from(`sincro-box/1 signature\0${path}\0`, "utf8");
const bodyAad = (path: string, headerLine: Buffer): Buffer => Buffer.concat([Buffer.from(`sincro-box/1 body\0${path}\0`, "utf8"), headerLine]);
const ZERO_NONCE = Buffer.alloc(12);

/**
 * Seals `plain` as the file at `path`: encrypted for `readers` (none: signed only), signed by
 * `writer` with `keys`. Pure and deterministic.
 */
export function sealBox(path: string, plain: Buffer, writer: string, keys: KeyPairs, readers: readonly Reader[]): Buffer {
  let enc: BoxHeader["enc"] = null;
  let body = plain;
  let contentKey: Buffer | undefined;
  let nonce: Buffer | undefined;
  if (readers.length > 0) {
    const secret = hmac(Buffer.from(keys.signPrivate, "base64"), "sincro-box/1 derive");
    const digest = createHash("sha256").update(plain).digest("hex");
    contentKey = hmac(secret, "content", path, digest);
    nonce = hmac(secret, "nonce", path, digest).subarray(0, 12);
    const ephemeral = hmac(secret, "ephemeral", path, digest);
    const epk = boxPublicOf(ephemeral);
    const ephemeralKey = boxPrivateKey(ephemeral);
    const sorted = [...new Map(readers.map((r) => [`${r.node}\0${r.boxPublic}`, r])).values()].sort((a, b) =>
      a.node < b.node ? -1 : a.node > b.node ? 1 : a.boxPublic < b.boxPublic ? -1 : 1,
    );
    const to = sorted.map((r): [string, string, string] => {
      const readerRaw = Buffer.from(r.boxPublic, "base64");
      const shared = diffieHellman({ privateKey: ephemeralKey, publicKey: boxPublicKey(readerRaw) });
      const wrapped = aeadSeal(wrapKey(shared, epk, readerRaw), ZERO_NONCE, contentKey as Buffer, Buffer.from(r.node, "utf8"));
      return [r.node, keyId(r.boxPublic), wrapped.toString("base64")];
    });
    enc = { epk: epk.toString("base64"), nonce: nonce.toString("base64"), to };
  }
  const size = enc ? plain.length + 16 : plain.length;
  const header: BoxHeader = { signer: writer, key: keyId(keys.signPublic), size, enc };
  const headerLine = Buffer.from(`${JSON.stringify(header)}\n`, "utf8");
  if (enc) body = aeadSeal(contentKey as Buffer, nonce as Buffer, plain, bodyAad(path, headerLine));
  const signed = Buffer.concat([MAGIC, headerLine, body]);
  const signature = sign(null, Buffer.concat([signedText(path), signed]), signPrivateKey(keys.signPrivate));
  return Buffer.concat([signed, signature]);
}

/** Who may have written a file: the folder's writer and the signing keys trusted for it (the one the office vouched for, and any being replaced). */
export interface ExpectedWriter {
  node: string;
  signPublics: readonly string[];
}

/** The reader opening a file: its node id and its encryption key pair. */
export interface Opener {
  node: string;
  boxPublic: string;
  boxPrivate: string;
}

/** Whether `bytes` start like a sealed file (as opposed to a bare file of an older sincro). */
export function isBox(bytes: Buffer): boolean {
  return bytes.length >= MAGIC.length && bytes.subarray(0, MAGIC.length).equals(MAGIC);
}

/**
 * Opens the file at `path`: checks that `writer` signed it with its vouched key over this very
 * path, then decrypts it with `me`'s key. Throws {@link SegmentError} naming the file and why.
 */
export function openBox(path: string, bytes: Buffer, writer: ExpectedWriter, me: Opener): Buffer {
  const fail = (code: string, why: string): never => {
    throw new SegmentError(path, `read ${path}: ${why}`, { code });
  };
  if (!isBox(bytes)) fail("NOT_SIGNED", "not a signed sincro file (no signature: forged, or written by an older sincro)");
  const headerEnd = bytes.indexOf(0x0a, MAGIC.length);
  if (headerEnd < 0 || headerEnd - MAGIC.length > MAX_BOX_HEADER) fail("CORRUPT", "signed file header is missing or too long (truncated or corrupt)");
  const headerLine = bytes.subarray(MAGIC.length, headerEnd + 1);
  let header: BoxHeader;
  try {
    header = JSON.parse(headerLine.toString("utf8")) as BoxHeader;
  } catch {
    return fail("CORRUPT", "signed file header is not JSON (corrupt)");
  }
  if (typeof header !== "object" || header === null || typeof header.signer !== "string" || typeof header.key !== "string" || !Number.isSafeInteger(header.size)) {
    fail("CORRUPT", "signed file header lacks signer, key or size (corrupt)");
  }
  if (header.signer !== writer.node) {
    fail("WRONG_SIGNER", `signed by ${JSON.stringify(header.signer).slice(0, 40)}, but only ${writer.node} writes here (forged)`);
  }
  const signPublic = writer.signPublics.find((k) => keyId(k) === header.key);
  if (signPublic === undefined) {
    fail("WRONG_KEY", `signed with key ${String(header.key).slice(0, 16)}, not a key trusted for ${writer.node} (forged, or from a PC whose keys were revoked)`);
  }
  const bodyStart = headerEnd + 1;
  if (bytes.length !== bodyStart + header.size + SIGNATURE_BYTES) fail("TRUNCATED", "length does not match its header (truncated or corrupt)");
  const signed = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
  const signature = bytes.subarray(bytes.length - SIGNATURE_BYTES);
  if (!verify(null, Buffer.concat([signedText(path), signed]), signPublicKey(signPublic as string), signature)) {
    fail("BAD_SIGNATURE", `signature of ${writer.node} does not verify (altered, forged, or moved here from another name)`);
  }
  const body = bytes.subarray(bodyStart, bodyStart + header.size);
  if (header.enc === null) return Buffer.from(body);
  const enc = header.enc;
  if (typeof enc !== "object" || !Array.isArray(enc.to) || typeof enc.epk !== "string" || typeof enc.nonce !== "string") {
    return fail("CORRUPT", "encryption header is malformed (corrupt)");
  }
  const mine = keyId(me.boxPublic);
  const entry = enc.to.find((t) => Array.isArray(t) && t[0] === me.node && t[1] === mine);
  if (!entry) {
    return fail("NOT_FOR_US", `not encrypted for ${me.node}'s key ${mine}: written before this PC was enrolled (the office's next sync writes it again for this PC; sync after it), or for other readers`);
  }
  const epk = Buffer.from(enc.epk, "base64");
  if (epk.length !== 32) fail("CORRUPT", "encryption header is malformed (corrupt)");
  const myRaw = Buffer.from(me.boxPublic, "base64");
  const shared = diffieHellman({ privateKey: boxPrivateKey(Buffer.from(me.boxPrivate, "base64")), publicKey: boxPublicKey(epk) });
  const contentKey = aeadOpen(wrapKey(shared, epk, myRaw), ZERO_NONCE, Buffer.from(String(entry[2]), "base64"), Buffer.from(me.node, "utf8"));
  if (!contentKey || contentKey.length !== 32) return fail("BAD_KEY", `the key wrapped for ${me.node} does not open (altered or corrupt)`);
  const plain = aeadOpen(contentKey, Buffer.from(enc.nonce, "base64"), body, bodyAad(path, headerLine));
  if (!plain) return fail("BAD_CIPHERTEXT", "does not decrypt (altered or corrupt)");
  return plain;
}
