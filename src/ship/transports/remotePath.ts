import { randomBytes } from "node:crypto";
import { TransportError } from "../../errors.js";
import { TEMP_SUFFIX } from "./transport.js";

const SAFE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * Splits a parking-area path (`SincroAg/AG01/0000000042.seg`) into its names, refusing anything
 * that could leave the parking area or needs quoting on an FTP command line (`..`, empty names,
 * spaces, control characters). `""` is the parking area's root and has no names.
 */
export function splitRemotePath(operation: string, path: string): string[] {
  if (path === "") return [];
  const names = path.split("/");
  for (const name of names) {
    if (!SAFE_NAME.test(name) || name === "." || name === "..") {
      throw new TransportError(
        `${operation} ${JSON.stringify(path)}: invalid path, each name must match [A-Za-z0-9._-] and not be "." or ".."`,
        { code: "TRANSPORT_PATH" },
      );
    }
  }
  return names;
}

/** A fresh temporary upload name beside `name`: `<name>.<random>.tmp`. */
export function tempNameFor(name: string): string {
  return `${name}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
}

/** Orders names by their UTF-8 bytes, the order the transport contract promises for `list`. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
