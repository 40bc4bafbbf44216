import { RefusedError } from "../errors.js";
import type { SincroNode } from "../node/sincroNode.js";
import { FolderTransport } from "./folderTransport.js";
import { FtpTransport } from "./ftpTransport.js";
import type { Transport } from "./transport.js";

/**
 * The transport a node's configuration describes (`sincro config set transport ftp|folder`
 * and the `ftp.*` / `folder.path` keys). `SINCRO_FTP_PASSWORD` overrides the stored password.
 */
export function transportFromConfig(node: SincroNode, env: NodeJS.ProcessEnv = process.env): Transport {
  const kind = node.config("transport");
  const need = (key: string): string => {
    const value = node.config(key);
    if (value === undefined || value === "") {
      throw new RefusedError(key, `sync: ${key} is not set; set it with "sincro config set ${key} VALUE"`, { code: "MISSING_CONFIG" });
    }
    return value;
  };
  if (kind === undefined) {
    throw new RefusedError("transport", `sync: no transport configured; run "sincro config set transport ftp" (or folder) first`, {
      code: "MISSING_CONFIG",
    });
  }
  if (kind === "folder") return new FolderTransport(need("folder.path"));
  const password = env.SINCRO_FTP_PASSWORD ?? node.config("ftp.password");
  if (password === undefined) {
    throw new RefusedError("ftp.password", `sync: no FTP password; set SINCRO_FTP_PASSWORD or "sincro config set ftp.password ..."`, {
      code: "MISSING_CONFIG",
    });
  }
  const secure = node.config("ftp.secure");
  return new FtpTransport({
    host: need("ftp.host"),
    port: Number(node.config("ftp.port") ?? (secure === "implicit" ? 990 : 21)),
    user: need("ftp.user"),
    password,
    dir: node.config("ftp.dir") ?? "",
    secure: secure === "implicit" ? "implicit" : secure === "true",
    allowSelfSigned: node.config("ftp.allow-self-signed") === "true",
  });
}
