import { createHash } from "node:crypto";
import { SegmentError, SincroError, say } from "../errors.js";
import type { SincroNode } from "../node/sincroNode.js";
import { openBox, sealBox, type Reader } from "../wire/box.js";
import type { KeyPairs } from "../wire/keys.js";
import { AG_ROOT, ALL_FOLDER, SEDE, SEDE_ROOT } from "../wire/streams.js";

/** What a sync seals its uploads and opens its downloads with: {@link ParkingTrust}, always, outside benchmarks. */
export interface FileTrust {
  /** The bytes to upload for `plain` at `path`. */
  seal(path: string, plain: Buffer): Buffer;
  /** The content of the downloaded file at `path`, or a {@link SegmentError} naming it and why. */
  open(path: string, bytes: Buffer): Buffer;
  /** A digest of the readers of `folder`'s files: when it changes, what is there is written again. */
  readersDigest(folder: string): string;
  /** Like {@link open}, accepting any key the folder's writer ever had (a retired agent's folder: was this file its own?). */
  openFormer?(path: string, bytes: Buffer): Buffer;
}

/**
 * Who writes and who reads each folder of the parking area (DESIGN §4.1, §7), and the sealing
 * and opening of every file by those rules: a file is accepted only when its folder's writer
 * signed it with the key this node trusts for it, and is written encrypted for that folder's
 * readers only (catalogue: the sede and every enrolled agent; an agent's folders: that agent
 * and the sede).
 */
export class ParkingTrust implements FileTrust {
  private readonly keys: KeyPairs;

  constructor(private readonly node: SincroNode) {
    const keys = node.keyring.own();
    if (!keys) {
      throw new SincroError(
        "NOT_ENROLLED",
        `sync: this PC (agent ${node.id}) is not enrolled, so it can neither sign nor read the office's files. Ask the office for an enrollment file ("sincro agent enroll ${node.id} --out FILE" at the sede), then run "sincro init --enroll FILE" with this --db`,
        { exitCode: 1, say: say("error.notEnrolled", { agent: node.id }) },
      );
    }
    this.keys = keys;
  }

  /** The node that alone writes the folder holding `path`. */
  writerOf(path: string): string {
    const [root, folder] = path.split("/");
    if (root === AG_ROOT && folder) return folder;
    if (root === SEDE_ROOT) return SEDE;
    throw new SegmentError(path, `read ${path}: not a folder of the parking area`, { code: "UNKNOWN_FOLDER" });
  }

  /** The readers a file at `path` is encrypted for (this node knows their keys only at the sede, or its own). */
  readersOf(path: string): Reader[] {
    const [root, folder] = path.split("/");
    const me: Reader = { node: this.node.id, boxPublic: this.keys.boxPublic };
    const keyOf = (node: string): Reader[] => {
      if (node === this.node.id) return [me];
      const k = this.node.keyring.current(node);
      return k ? [{ node, boxPublic: k.boxPublic }] : [];
    };
    if (root === SEDE_ROOT && folder === ALL_FOLDER) return [me, ...this.node.keyring.active().map((k) => ({ node: k.node, boxPublic: k.boxPublic }))];
    if (root === SEDE_ROOT && folder) return [...keyOf(SEDE), ...keyOf(folder)];
    if (root === AG_ROOT && folder) return [...keyOf(SEDE), ...keyOf(folder)];
    return [me];
  }

  /** A digest of the readers of `folder`'s files: when it changes, what is there is written again. */
  readersDigest(folder: string): string {
    const readers = this.readersOf(`${folder}/x`)
      .map((r) => `${r.node}:${r.boxPublic}`)
      .sort();
    return createHash("sha256").update(readers.join("\n")).digest("hex");
  }

  /** The bytes to upload for `plain` at `path`: encrypted for its readers, signed by this node. */
  seal(path: string, plain: Buffer): Buffer {
    return sealBox(path, plain, this.node.id, this.keys, this.readersOf(path));
  }

  /** The content of the file at `path`, if its folder's writer signed it with its trusted key; otherwise a {@link SegmentError} naming the file and why. */
  open(path: string, bytes: Buffer): Buffer {
    const writer = this.writerOf(path);
    // Our own folder: our key, and those of the PC this one replaces (its leftovers count for numbering).
    const signPublics =
      writer === this.node.id ? [this.keys.signPublic, ...this.node.keyring.all(writer).map((k) => k.signPublic)] : this.node.keyring.signers(writer);
    if (signPublics.length === 0) {
      const retired = this.node.keyring.isRetired(writer);
      throw new SegmentError(
        path,
        retired ? `read ${path}: ${writer} was retired; its files are no longer accepted` : `read ${path}: ${writer} is not enrolled; its files are not accepted until the office enrolls it`,
        { code: retired ? "RETIRED" : "NOT_ENROLLED" },
      );
    }
    return openBox(path, bytes, { node: writer, signPublics }, { node: this.node.id, boxPublic: this.keys.boxPublic, boxPrivate: this.keys.boxPrivate });
  }

  openFormer(path: string, bytes: Buffer): Buffer {
    const writer = this.writerOf(path);
    const signPublics = this.node.keyring.all(writer).map((k) => k.signPublic);
    if (signPublics.length === 0) throw new SegmentError(path, `read ${path}: ${writer} never had a key here`, { code: "NOT_ENROLLED" });
    return openBox(path, bytes, { node: writer, signPublics }, { node: this.node.id, boxPublic: this.keys.boxPublic, boxPrivate: this.keys.boxPrivate });
  }
}

/**
 * BENCHMARKS ONLY (scripts/bench-sync.mjs): a trust that neither signs, encrypts, verifies nor
 * decrypts — files move as their bare inner bytes, as an unsigned sincro wrote them. It exists so
 * that the benchmark can time the same sync with and without sealing in one run (the "unsigned
 * run" of issue 11's targets). Not exported by the package, not reachable from the command line
 * or any configuration: only code that passes it as `SyncOptions.trust` gets it.
 */
export function unsealedTrustForBenchmarks(): FileTrust {
  return {
    seal: (_path, plain) => plain,
    open: (_path, bytes) => bytes,
    readersDigest: () => "unsealed (benchmarks only)",
  };
}
