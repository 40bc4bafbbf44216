import { RefusedError } from "../errors.js";

/** A configuration key a user may set with `sincro config set` (DESIGN §6). */
interface KeySpec {
  describe: string;
  check(value: string): string | undefined;
  secret?: boolean;
}

const nonEmpty = (v: string) => (v.trim() === "" ? "must not be empty" : undefined);

export const CONFIG_KEYS: Record<string, KeySpec> = {
  transport: { describe: "ftp or folder", check: (v) => (v === "ftp" || v === "folder" ? undefined : 'must be "ftp" or "folder"') },
  "ftp.host": { describe: "FTP server host name or address", check: nonEmpty },
  "ftp.port": {
    describe: "FTP control port (default 21)",
    check: (v) => (/^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : "must be a port number from 1 to 65535"),
  },
  "ftp.user": { describe: "FTP user name", check: nonEmpty },
  "ftp.password": { describe: "FTP password (SINCRO_FTP_PASSWORD overrides it; never printed)", check: () => undefined, secret: true },
  "ftp.dir": { describe: "folder on the FTP server that holds SincroAg and SincroSede", check: () => undefined },
  "ftp.secure": {
    describe: "false, true (explicit FTPS) or implicit",
    check: (v) => (["false", "true", "implicit"].includes(v) ? undefined : 'must be "false", "true" or "implicit"'),
  },
  "ftp.allow-self-signed": {
    describe: "accept a self-signed FTPS certificate (true/false)",
    check: (v) => (v === "true" || v === "false" ? undefined : 'must be "true" or "false"'),
  },
  "folder.path": { describe: "local or network folder used as parking area", check: nonEmpty },
  "skew.hours": {
    describe: "report received clocks this many hours ahead of ours (default 24)",
    check: (v) => (/^\d{1,4}$/.test(v) ? undefined : "must be a whole number of hours"),
  },
};

/** Checks a key and value for `config set`; throws a {@link RefusedError} naming the key. */
export function checkConfig(key: string, value: string): void {
  const spec = CONFIG_KEYS[key];
  if (!spec) {
    throw new RefusedError("key", `config key "${key}" does not exist; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`, {
      code: "UNKNOWN_KEY",
    });
  }
  const problem = spec.check(value);
  if (problem) throw new RefusedError(key, `config ${key} "${value}" ${problem}`, { code: "BAD_VALUE" });
}

export function isSecretKey(key: string): boolean {
  return CONFIG_KEYS[key]?.secret === true;
}
