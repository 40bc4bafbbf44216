import type { TransportName } from "../../node/config.js";
import { folderTransportKind } from "./folderTransport.js";
import { ftpTransportKind } from "./ftpTransport.js";
import { sftpTransportKind } from "./sftpTransport.js";
import { s3TransportKind } from "./s3Transport.js";
import type { TransportKind } from "./transportKind.js";

/**
 * Every kind of parking area, by the value of the `transport` config key, in the order
 * `sincro audit` offers them (`--folder`, `--ftp`, `--sftp`, `--s3`).
 *
 * Adding one: its adapter and its {@link TransportKind} in one new file, its name in
 * `TRANSPORT_NAMES` and its keys in `src/node/config.ts`, and one line here (the compiler asks
 * for it once the name exists). `sync`, `ftp check`, `audit` and the demo find it here.
 */
export const TRANSPORTS = {
  folder: folderTransportKind,
  ftp: ftpTransportKind,
  sftp: sftpTransportKind,
  s3: s3TransportKind,
} as const satisfies { readonly [N in TransportName]: TransportKind<N> };

/** The kinds of {@link TRANSPORTS}, in its order. */
export const TRANSPORT_KINDS: readonly TransportKind[] = Object.values(TRANSPORTS);
