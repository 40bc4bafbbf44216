import { RefusedError, say } from "../errors.js";
import type { MessageKey } from "../i18n/translator.js";

/**
 * Why a value is refused: the English words that end the message `config KEY "VALUE" …`, and the
 * catalogue message that says the whole sentence (placeholders `{key}` and `{value}`, and `params`).
 */
export interface ValueProblem {
  text: string;
  key: MessageKey & `config.bad.${string}`;
  params?: Readonly<Record<string, string>>;
}

/** A configuration key a user may set with `sincro config set` (DESIGN §6). */
interface KeySpec {
  describe: string;
  check(value: string): ValueProblem | undefined;
  secret?: boolean;
}

const problem = (text: string, key: ValueProblem["key"], params?: Readonly<Record<string, string>>): ValueProblem => ({ text, key, ...(params && { params }) });
const nonEmpty = (v: string) => (v.trim() === "" ? problem("must not be empty", "config.bad.empty") : undefined);
const portNumber = (v: string) =>
  /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535 ? undefined : problem("must be a port number from 1 to 65535", "config.bad.port");
const wholeDays = (v: string) => (/^\d{1,4}$/.test(v) && Number(v) >= 1 ? undefined : problem("must be a whole number of days, at least 1", "config.bad.days"));

/** An SSH host key fingerprint as `ssh-keygen -lf` prints it: `SHA256:` and 43 base64 characters. */
export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/**
 * The values of the `transport` key. Each has one entry in the registry of transports
 * (`src/ship/transports.ts`, which the compiler keeps complete) and its keys below, prefixed with
 * its name; they are declared here because the node checks them on `config set`, and the node
 * layer cannot import the transports.
 */
export const TRANSPORT_NAMES = ["ftp", "sftp", "folder", "s3"] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

export const isTransportName = (v: string): v is TransportName => (TRANSPORT_NAMES as readonly string[]).includes(v);

export const CONFIG_KEYS = {
  transport: {
    describe: TRANSPORT_NAMES.join(" or "),
    check: (v) => {
      const names = TRANSPORT_NAMES.map((n) => `"${n}"`);
      return isTransportName(v) ? undefined : problem(`must be ${names.join(" or ")}`, "config.bad.transport", { names: names.join(", ") });
    },
  },
  "ftp.host": { describe: "FTP server host name or address", check: nonEmpty },
  "ftp.port": { describe: "FTP control port (default 21)", check: portNumber },
  "ftp.user": { describe: "FTP user name", check: nonEmpty },
  "ftp.password": { describe: "FTP password (SINCRO_FTP_PASSWORD overrides it; never printed)", check: () => undefined, secret: true },
  "ftp.dir": { describe: "folder on the FTP server that holds SincroAg and SincroSede", check: () => undefined },
  "ftp.secure": {
    describe: "true (explicit FTPS, the default), implicit, or false (plain FTP: the password travels unencrypted)",
    check: (v) => (["false", "true", "implicit"].includes(v) ? undefined : problem('must be "false", "true" or "implicit"', "config.bad.secure")),
  },
  "ftp.tls-fingerprint": {
    describe: "the FTPS server certificate's SHA-256 fingerprint (AA:BB:…); pinned by parking check at the office, carried by enrollment",
    check: (v) =>
      /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(v) ? undefined : problem("is not a SHA-256 fingerprint: 32 pairs of hex digits separated by ':'", "config.bad.tlsFingerprint"),
  },
  "ftp.allow-self-signed": {
    describe: "accept a self-signed FTPS certificate (true/false)",
    check: (v) => (v === "true" || v === "false" ? undefined : problem('must be "true" or "false"', "config.bad.boolean")),
  },
  "sftp.host": { describe: "SFTP (SSH) server host name or address", check: nonEmpty },
  "sftp.port": { describe: "SSH port (default 22)", check: portNumber },
  "sftp.user": { describe: "SFTP user name", check: nonEmpty },
  "sftp.dir": {
    describe: "folder on the SFTP server that holds SincroAg and SincroSede: absolute, or relative to the login folder (default: the login folder)",
    check: () => undefined,
  },
  "sftp.key": { describe: "private key file (without passphrase) for SFTP login", check: nonEmpty },
  "sftp.password": { describe: "SFTP password (SINCRO_SFTP_PASSWORD overrides it; never printed)", check: () => undefined, secret: true },
  "sftp.host-key": {
    describe: "the SFTP server's host key fingerprint, SHA256:… as ssh-keygen -lf prints it (required; sync prints it when missing)",
    check: (v) =>
      HOST_KEY_FINGERPRINT.test(v)
        ? undefined
        : problem(
            "is not a host key fingerprint: expected SHA256: and 43 base64 characters, as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it on the server",
            "config.bad.hostKey",
          ),
  },
  "folder.path": { describe: "local or network folder used as parking area", check: nonEmpty },
  "s3.endpoint": {
    describe: "URL of the S3 service, e.g. http://127.0.0.1:7480 for a Ceph radosgw (AWS_ENDPOINT_URL if unset; none for AWS)",
    check: checkHttpUrl,
  },
  "s3.region": { describe: "S3 region (AWS_REGION if unset; default us-east-1)", check: nonEmpty },
  "s3.bucket": { describe: "S3 bucket that holds the parking area", check: (v) => (checkBucketName(v) === undefined ? undefined : problem(BUCKET_RULE, "config.bad.bucket")) },
  "s3.prefix": { describe: "key prefix in the bucket that holds SincroAg and SincroSede (default: the bucket's root)", check: checkKeyPrefix },
  "s3.access-key": { describe: "S3 access key id (AWS_ACCESS_KEY_ID if unset)", check: nonEmpty },
  "s3.secret-key": { describe: "S3 secret access key (AWS_SECRET_ACCESS_KEY if unset; never printed)", check: nonEmpty, secret: true },
  "head.max-age-days": {
    describe: "an agent warns when the office's signed head is older than this many days (default 3)",
    check: (v) => (/^\d{1,3}$/.test(v) ? wholeDays(v) : problem("must be a whole number of days, at least 1", "config.bad.days")),
  },
  "recover.keep-days": {
    describe: "an agent keeps the office's files it applied this many days, so a restored office can take its work back (default 180)",
    check: wholeDays,
  },
  "sync.connections": {
    describe: "connections a sync opens to download from many agents at once (default 4; 1 to 16)",
    check: (v) => (/^\d{1,2}$/.test(v) && Number(v) >= 1 && Number(v) <= 16 ? undefined : problem("must be a whole number from 1 to 16", "config.bad.connections")),
  },
  "sync.full-listing-hours": {
    describe: "the sede reads every agent's folder at least this often, rung or not (default 24; 0: at every sync)",
    check: (v) => (/^\d{1,4}$/.test(v) ? undefined : problem("must be a whole number of hours", "config.bad.hours")),
  },
  lang: {
    describe: "the language sincro speaks on this PC: it or en (default: the locale; --lang overrides it)",
    check: (v) => (v === "it" || v === "en" ? undefined : problem('must be "it" or "en"', "config.bad.lang")),
  },
  "skew.hours": {
    describe: "report received clocks this many hours ahead of ours (default 24)",
    check: (v) => (/^\d{1,4}$/.test(v) ? undefined : problem("must be a whole number of hours", "config.bad.hours")),
  },
} satisfies Record<string, KeySpec>;

const BUCKET_RULE = "is not a bucket name: 3 to 63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit";

/** Why `name` is not an S3 bucket name, or undefined when it is one. */
export function checkBucketName(name: string): string | undefined {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) ? undefined : BUCKET_RULE;
}

function checkHttpUrl(value: string): ValueProblem | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem("must be a URL such as http://host:port", "config.bad.url");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return problem("must start with http:// or https://", "config.bad.urlScheme");
  if (url.username !== "" || url.password !== "") return problem("must not hold a user or password (set s3.access-key and s3.secret-key)", "config.bad.urlUser");
  return undefined;
}

function checkKeyPrefix(value: string): ValueProblem | undefined {
  const names = value.replace(/^\/+|\/+$/g, "");
  if (names === "") return undefined;
  return names.split("/").every((name) => /^[A-Za-z0-9._-]+$/.test(name) && name !== "." && name !== "..")
    ? undefined
    : problem('must be names of [A-Za-z0-9._-] separated by "/", without "." or ".."', "config.bad.prefix");
}

/** A key `sincro config set` accepts. */
export type ConfigKey = keyof typeof CONFIG_KEYS;

const SPECS: Readonly<Record<string, KeySpec>> = CONFIG_KEYS;

/** Checks a key and value for `config set`; throws a {@link RefusedError} naming the key. */
export function checkConfig(key: string, value: string): void {
  const spec = SPECS[key];
  if (!spec) {
    throw new RefusedError("key", `config key "${key}" does not exist; known keys: ${Object.keys(CONFIG_KEYS).join(", ")}`, {
      code: "UNKNOWN_KEY",
      say: say("config.unknownKey", { key, keys: Object.keys(CONFIG_KEYS).join(", ") }),
    });
  }
  const why = spec.check(value);
  if (why) throw new RefusedError(key, `config ${key} "${value}" ${why.text}`, { code: "BAD_VALUE", say: { key: why.key, params: { ...why.params, key, value } } });
}

export function isSecretKey(key: string): boolean {
  return SPECS[key]?.secret === true;
}
