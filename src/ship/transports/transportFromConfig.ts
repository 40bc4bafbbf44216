import { RefusedError, say } from "../../errors.js";
import { isTransportName, TRANSPORT_NAMES } from "../../node/config.js";
import type { Transport } from "./transport.js";
import type { ConfigSource } from "./transportKind.js";
import { TRANSPORTS } from "./registry.js";

/**
 * The transport a node's configuration describes (`sincro config set transport ftp|sftp|folder` and
 * that transport's keys, see {@link TRANSPORTS}). `SINCRO_FTP_PASSWORD` and `SINCRO_SFTP_PASSWORD`
 * override the stored FTP and SFTP passwords.
 */
export function transportFromConfig(node: ConfigSource, env: NodeJS.ProcessEnv = process.env): Transport {
  const name = node.config("transport");
  const [usual, ...others] = TRANSPORT_NAMES;
  const setIt = `"sincro config set transport ${usual}" (or ${others.join(" or ")})`;
  if (name === undefined) {
    throw new RefusedError("transport", `sync: no transport configured; run ${setIt} first`, { code: "MISSING_CONFIG", say: say("error.noTransport", { setIt }) });
  }
  // `config set` refuses other values; this one came into the database some other way.
  if (!isTransportName(name)) {
    throw new RefusedError("transport", `sync: transport "${name}" is not one sincro knows; run ${setIt}`, { code: "BAD_CONFIG", say: say("error.badTransport", { name, setIt }) });
  }
  return TRANSPORTS[name].fromConfig(node, env);
}
