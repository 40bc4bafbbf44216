import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Client } from "basic-ftp";
import { RefusedError, TransportError } from "../errors.js";
import { FolderTransport } from "../ship/folderTransport.js";
import { FtpTransport, type FtpTransportOptions } from "../ship/ftpTransport.js";
import { AG_ROOT, SEDE_ROOT } from "../wire/streams.js";
import type { Transport } from "../ship/transport.js";
import { streamFolders, type StreamFolder } from "./auditSources.js";

/** A parking area to audit: a folder, or an FTP server. */
export type ParkingTarget = { kind: "folder"; root: string } | { kind: "ftp"; options: FtpTransportOptions };

/**
 * Parses `ftp://user@host:port/dir` (or `ftps://` for explicit TLS). The password comes from
 * `password` (SINCRO_FTP_PASSWORD), else from the URL; it is never printed.
 */
export function parseFtpUrl(text: string, password: string | undefined): ParkingTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RefusedError("ftp", `audit --ftp ${text}: not a URL; expected ftp://user@host:port/dir`, { code: "BAD_URL" });
  }
  if (url.protocol !== "ftp:" && url.protocol !== "ftps:") {
    throw new RefusedError("ftp", `audit --ftp: "${url.protocol}" is not ftp: or ftps:`, { code: "BAD_URL" });
  }
  const dir = decodeURIComponent(url.pathname) || "/";
  return {
    kind: "ftp",
    options: {
      host: url.hostname,
      port: url.port === "" ? 21 : Number(url.port),
      user: url.username === "" ? "anonymous" : decodeURIComponent(url.username),
      password: password ?? decodeURIComponent(url.password),
      dir,
      secure: url.protocol === "ftps:",
      allowSelfSigned: url.searchParams.get("allow-self-signed") === "true",
    },
  };
}

export function openTarget(target: ParkingTarget): Transport {
  return target.kind === "folder" ? new FolderTransport(target.root) : new FtpTransport(target.options);
}

/**
 * The stream folders of a parking area. The transport port lists files only, so folders are
 * listed here directly: with the file system, or with one FTP session. `agents` skips the
 * listing (a server that refuses to list folders).
 */
export async function discoverStreams(target: ParkingTarget, agents?: string[]): Promise<StreamFolder[]> {
  if (agents) return streamFolders(agents, ["_ALL", ...agents]);
  if (target.kind === "folder") {
    const sub = async (top: string) => {
      try {
        return (await readdir(join(target.root, top), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw new TransportError(`audit ${target.root}: cannot list ${top} (${(err as Error).message})`, { cause: err });
      }
    };
    return streamFolders(await sub(AG_ROOT), await sub(SEDE_ROOT));
  }
  const o = target.options;
  const client = new Client(o.timeoutMs ?? 30_000);
  const describe = `ftp://${o.user}@${o.host}:${o.port ?? 21}${o.dir ?? "/"}`;
  try {
    await client.access({
      host: o.host,
      port: o.port ?? 21,
      user: o.user,
      password: o.password,
      secure: o.secure === true,
      secureOptions: o.allowSelfSigned ? { rejectUnauthorized: false } : undefined,
    });
    const base = (o.dir ?? "/").replace(/\/+$/, "");
    const sub = async (top: string) => {
      try {
        return (await client.list(`${base}/${top}`)).filter((f) => f.isDirectory).map((f) => f.name);
      } catch (err) {
        // A missing folder answers 550: nothing parked there yet.
        if ((err as { code?: number }).code === 550) return [];
        throw err;
      }
    };
    return streamFolders(await sub(AG_ROOT), await sub(SEDE_ROOT));
  } catch (err) {
    if (err instanceof TransportError) throw err;
    throw new TransportError(`audit ${describe}: cannot list the stream folders (${(err as Error).message}); name them with --agents`, { cause: err });
  } finally {
    client.close();
  }
}
