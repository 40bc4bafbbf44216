import { readSync } from "node:fs";
import iconv from "iconv-lite";
import { RefusedError, say } from "../errors.js";

/** The text encodings `import` reads. */
export const ENCODINGS = ["utf8", "windows-1252"] as const;
export type Encoding = (typeof ENCODINGS)[number];

const SCAN_BYTES = 256 * 1024;

/**
 * The encoding of the file open at `fd`: UTF-8 when it starts with the UTF-8 byte order mark
 * or all of it is valid UTF-8, else Windows-1252 (the encoding of Italian Windows and of the
 * ERPs that run on it: a byte that cannot be UTF-8, like `è` = 0xE8, means an 8-bit file).
 * Reads the file once with positional reads, stopping at the first invalid byte. A UTF-16 file
 * (Excel's "Unicode text") is refused, naming what to save it as.
 */
export function detectEncoding(fd: number, what: string): Encoding {
  const buffer = Buffer.allocUnsafe(SCAN_BYTES);
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let position = 0;
  for (;;) {
    const n = readSync(fd, buffer, 0, SCAN_BYTES, position);
    if (position === 0) {
      if (n >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf) return "utf8";
      if (n >= 2 && ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff))) {
        throw new RefusedError("encoding", `${what}: the file is UTF-16 text; save it as CSV (UTF-8 or Windows-1252)`, { code: "BAD_ENCODING", say: say("import.utf16", { what }) });
      }
    }
    try {
      if (n === 0) {
        decoder.decode();
        return "utf8";
      }
      decoder.decode(buffer.subarray(0, n), { stream: true });
    } catch {
      return "windows-1252";
    }
    position += n;
  }
}

/** `chunk` of a file in `encoding` as UTF-8 bytes (Windows-1252 is one byte a character, so any chunk decodes alone). */
export function toUtf8(chunk: Buffer, encoding: Encoding): Buffer {
  return encoding === "utf8" ? chunk : Buffer.from(iconv.decode(chunk, "windows-1252"), "utf8");
}
