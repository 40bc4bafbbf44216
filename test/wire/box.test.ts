import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { SegmentError } from "../../src/errors.js";
import { openBox, sealBox } from "../../src/wire/box.js";
import { generateKeys } from "../../src/wire/keys.js";

const sede = generateKeys();
const ag01 = generateKeys();
const ag02 = generateKeys();
const PATH = "SincroSede/AG01/0000000001.seg";
const plain = gzipSync(Buffer.from("Bar Centrale;IT01234567890;8.90\n"));
const readers = [
  { node: "SEDE", boxPublic: sede.boxPublic },
  { node: "AG01", boxPublic: ag01.boxPublic },
];
const asSede = { node: "SEDE", signPublics: [sede.signPublic] };
const me = (node: string, k: typeof sede) => ({ node, boxPublic: k.boxPublic, boxPrivate: k.boxPrivate });

function refusal(f: () => unknown): SegmentError {
  try {
    f();
  } catch (err) {
    if (err instanceof SegmentError) return err;
    throw err;
  }
  throw new Error("not refused");
}

describe("signed and encrypted files", () => {
  it("opens for each reader it was sealed for, and is the same bytes when sealed again", () => {
    const sealed = sealBox(PATH, plain, "SEDE", sede, readers);
    expect(openBox(PATH, sealed, asSede, me("AG01", ag01)).equals(plain)).toBe(true);
    expect(openBox(PATH, sealed, asSede, me("SEDE", sede)).equals(plain)).toBe(true);
    expect(sealBox(PATH, plain, "SEDE", sede, [...readers].reverse()).equals(sealed)).toBe(true);
  });

  it("holds nothing readable: no plaintext, not even the gzip magic", () => {
    const text = Buffer.from("Bar Centrale IT01234567890");
    const sealed = sealBox(PATH, text, "SEDE", sede, readers);
    expect(sealed.includes(Buffer.from("Bar Centrale"))).toBe(false);
    expect(sealed.includes(Buffer.from("IT01234567890"))).toBe(false);
  });

  it("is refused to an agent it was not sealed for", () => {
    const sealed = sealBox(PATH, plain, "SEDE", sede, readers);
    const e = refusal(() => openBox(PATH, sealed, asSede, me("AG02", ag02)));
    expect(e.code).toBe("NOT_FOR_US");
    expect(e.message).toContain(PATH);
  });

  it("is refused when signed by anyone but the folder's writer with its vouched key", () => {
    const byAgent = sealBox(PATH, plain, "AG02", ag02, readers);
    expect(refusal(() => openBox(PATH, byAgent, asSede, me("AG01", ag01))).code).toBe("WRONG_SIGNER");
    const claimsSede = sealBox(PATH, plain, "SEDE", ag02, readers);
    expect(refusal(() => openBox(PATH, claimsSede, asSede, me("AG01", ag01))).code).toBe("WRONG_KEY");
  });

  it("is refused once moved to another name (the signature covers the path)", () => {
    const sealed = sealBox(PATH, plain, "SEDE", sede, readers);
    expect(refusal(() => openBox("SincroSede/AG01/0000000002.seg", sealed, asSede, me("AG01", ag01))).code).toBe("BAD_SIGNATURE");
  });

  it("is refused when any byte is altered or the file is cut short", () => {
    const sealed = sealBox(PATH, plain, "SEDE", sede, readers);
    for (const at of [20, sealed.length - 100, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at] = (bad[at] as number) ^ 1;
      expect(() => openBox(PATH, bad, asSede, me("AG01", ag01))).toThrow(SegmentError);
    }
    expect(refusal(() => openBox(PATH, sealed.subarray(0, sealed.length - 10), asSede, me("AG01", ag01))).code).toBe("TRUNCATED");
    expect(refusal(() => openBox(PATH, plain, asSede, me("AG01", ag01))).code).toBe("NOT_SIGNED");
  });

  it("signs without encrypting when a folder has no readers to hide it from", () => {
    const sealed = sealBox(PATH, plain, "SEDE", sede, []);
    expect(openBox(PATH, sealed, asSede, me("AG02", ag02)).equals(plain)).toBe(true);
  });

  it("costs well under 32 KB of header for 300 readers", () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ node: `AG${String(i).padStart(3, "0")}`, boxPublic: generateKeys().boxPublic }));
    const sealed = sealBox("SincroSede/_ALL/0000000001.seg", plain, "SEDE", sede, many);
    expect(sealed.length - plain.length).toBeLessThan(32 * 1024);
  });
});
