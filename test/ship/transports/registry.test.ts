import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RefusedError } from "../../../src/errors.js";
import { CONFIG_KEYS, checkConfig, isSecretKey, TRANSPORT_NAMES } from "../../../src/node/config.js";
import { transportFromConfig } from "../../../src/ship/transports/transportFromConfig.js";
import { TRANSPORT_KINDS, TRANSPORTS } from "../../../src/ship/transports/registry.js";

const configOf = (values: Record<string, string>) => ({ config: (key: string) => values[key] });

function refusal(action: () => unknown): RefusedError {
  try {
    action();
  } catch (err) {
    if (err instanceof RefusedError) return err;
    throw err;
  }
  throw new Error("not refused");
}

describe("the registry of transports", () => {
  it("has one kind per value of the transport key, under its own name, in the order audit offers them", () => {
    expect(Object.entries(TRANSPORTS).map(([name, kind]) => [name, kind.name])).toEqual([
      ["folder", "folder"],
      ["ftp", "ftp"],
      ["sftp", "sftp"],
      ["s3", "s3"],
    ]);
    expect(TRANSPORT_KINDS.map((kind) => kind.name).sort()).toEqual([...TRANSPORT_NAMES].sort());
    for (const name of TRANSPORT_NAMES) expect(() => checkConfig("transport", name)).not.toThrow();
    expect(() => checkConfig("transport", "webdav")).toThrow('config transport "webdav" must be "ftp" or "sftp" or "folder" or "s3"');
  });

  it("each config key of a transport is declared by that transport, and only by it", () => {
    const declared = TRANSPORT_KINDS.flatMap((kind) => kind.configKeys.map((key) => [kind.name, key]));
    const prefixed = Object.keys(CONFIG_KEYS).flatMap((key) => {
      const owner = TRANSPORT_NAMES.find((name) => key.startsWith(`${name}.`));
      return owner === undefined ? [] : [[owner, key]];
    });
    expect(declared.sort()).toEqual(prefixed.sort());
  });
});

describe("transportFromConfig", () => {
  it("opens the configured kind, without connecting", () => {
    expect(transportFromConfig(configOf({ transport: "folder", "folder.path": "park" }), {}).describe).toBe(`folder:${resolve("park")}`);
    const ftp = { transport: "ftp", "ftp.host": "example.org", "ftp.user": "ag01", "ftp.password": "stored-pw" };
    // FTPS unless ftp.secure is false (DESIGN §7).
    expect(transportFromConfig(configOf(ftp), {}).describe).toBe("ftp://ag01@example.org:21/ (TLS)");
    expect(transportFromConfig(configOf({ ...ftp, "ftp.secure": "false" }), {}).describe).toBe("ftp://ag01@example.org:21/");
    expect(transportFromConfig(configOf({ ...ftp, "ftp.secure": "implicit", "ftp.dir": "/sincro" }), {}).describe).toBe(
      "ftp://ag01@example.org:990/sincro (implicit TLS)",
    );
    expect(transportFromConfig(configOf({ ...ftp, "ftp.secure": "true", "ftp.port": "2121" }), {}).describe).toBe("ftp://ag01@example.org:2121/ (TLS)");
  });

  it("refuses a missing setting, naming the key and how to set it", () => {
    const none = refusal(() => transportFromConfig(configOf({}), {}));
    expect([none.field, none.code, none.message]).toEqual([
      "transport",
      "MISSING_CONFIG",
      'sync: no transport configured; run "sincro config set transport ftp" (or sftp or folder or s3) first',
    ]);
    expect(refusal(() => transportFromConfig(configOf({ transport: "folder" }), {})).message).toBe(
      'sync: folder.path is not set; set it with "sincro config set folder.path VALUE"',
    );
    const ftp: Record<string, string> = { transport: "ftp" };
    expect(refusal(() => transportFromConfig(configOf(ftp), {})).field).toBe("ftp.password");
    expect(refusal(() => transportFromConfig(configOf(ftp), { SINCRO_FTP_PASSWORD: "pw" })).field).toBe("ftp.host");
    expect(refusal(() => transportFromConfig(configOf({ ...ftp, "ftp.host": "h" }), { SINCRO_FTP_PASSWORD: "pw" })).field).toBe("ftp.user");
    expect(refusal(() => transportFromConfig(configOf({ transport: "carrier-pigeon" }), {})).message).toBe(
      'sync: transport "carrier-pigeon" is not one sincro knows; run "sincro config set transport ftp" (or sftp or folder or s3)',
    );
  });
});

describe("a parking area named on the command line", () => {
  const openFtp = (text: string, env: NodeJS.ProcessEnv = {}) => TRANSPORTS.ftp.location.open(text, env, "audit --ftp");

  it("--folder PATH and --ftp URL open the same adapters as the sync", () => {
    expect(TRANSPORTS.folder.location.open("park", {}, "audit --folder").describe).toBe(`folder:${resolve("park")}`);
    expect(openFtp("ftp://ag01:url-pw@example.org/sincro").describe).toBe("ftp://ag01@example.org:21/sincro");
    expect(openFtp("ftps://ag%40x@example.org:2121/?allow-self-signed=true", { SINCRO_FTP_PASSWORD: "pw" }).describe).toBe(
      "ftp://ag%40x@example.org:2121/ (TLS)",
    );
  });

  it("refuses what is not an ftp URL, never showing the password", () => {
    for (const [text, message] of [
      ["notaurl", "audit --ftp notaurl: not a URL; expected ftp://user@host:port/dir"],
      ["ftp://u:secret@h:99999/", "audit --ftp ftp://u:********@h:99999/: not a URL; expected ftp://user@host:port/dir"],
      ["ftp://u:se/cr@et@h/", "audit --ftp ftp://u:********@h/: not a URL; expected ftp://user@host:port/dir"],
      ["ftp://u:s:e@c ret@h:1x/", "audit --ftp ftp://u:********@h:1x/: not a URL; expected ftp://user@host:port/dir"],
      ["http://u:secret@h/", 'audit --ftp: "http:" is not ftp: or ftps:'],
    ] as const) {
      const error = refusal(() => openFtp(text));
      expect([error.field, error.code, error.message]).toEqual(["ftp", "BAD_URL", message]);
    }
  });
});

describe("the sftp transport's settings", () => {
  const fingerprint = "SHA256:qPQMihTsFdn9JNKoj8zGGIvrlOmxm1R/xWGf/zc07QM";
  const sftp = { transport: "sftp", "sftp.host": "example.org", "sftp.user": "ag01", "sftp.password": "stored-pw" };

  it("checks its keys on config set, naming the expected form", () => {
    expect(() => checkConfig("sftp.host-key", fingerprint)).not.toThrow();
    expect(() => checkConfig("sftp.host-key", "SHA256:short")).toThrow(/^config sftp.host-key "SHA256:short" is not a host key fingerprint: expected SHA256: and 43 base64 characters, as `ssh-keygen -lf/);
    expect(() => checkConfig("sftp.host-key", "MD5:aa:bb")).toThrow(/is not a host key fingerprint/);
    expect(() => checkConfig("sftp.port", "0")).toThrow('config sftp.port "0" must be a port number from 1 to 65535');
    expect(() => checkConfig("sftp.user", " ")).toThrow('config sftp.user " " must not be empty');
    expect(() => checkConfig("sftp.key", "")).toThrow("must not be empty");
    expect(CONFIG_KEYS["sftp.password"].secret).toBe(true);
  });

  it("opens from a node's configuration without connecting; the login folder is /~", () => {
    expect(transportFromConfig(configOf(sftp), {}).describe).toBe("sftp://ag01@example.org:22/~");
    expect(transportFromConfig(configOf({ ...sftp, "sftp.port": "2222", "sftp.dir": "/srv/sincro/" }), {}).describe).toBe(
      "sftp://ag01@example.org:2222/srv/sincro",
    );
    expect(transportFromConfig(configOf({ ...sftp, "sftp.dir": "parking" }), {}).describe).toBe("sftp://ag01@example.org:22/~/parking");
    expect(transportFromConfig(configOf({ ...sftp, "sftp.dir": "~/parking/" }), {}).describe).toBe("sftp://ag01@example.org:22/~/parking");
  });

  it("refuses a missing host, user or way to log in, and an unusable key file, naming the key", () => {
    expect(refusal(() => transportFromConfig(configOf({ transport: "sftp" }), {})).field).toBe("sftp.host");
    expect(refusal(() => transportFromConfig(configOf({ transport: "sftp", "sftp.host": "h" }), {})).field).toBe("sftp.user");
    const noLogin = refusal(() => transportFromConfig(configOf({ transport: "sftp", "sftp.host": "h", "sftp.user": "u" }), {}));
    expect([noLogin.field, noLogin.message]).toEqual([
      "sftp.key",
      'sync: no way to log in to the SFTP server; set a private key file with "sincro config set sftp.key FILE", or a password with SINCRO_SFTP_PASSWORD or "sincro config set sftp.password ..."',
    ]);
    expect(() => transportFromConfig(configOf({ transport: "sftp", "sftp.host": "h", "sftp.user": "u" }), { SINCRO_SFTP_PASSWORD: "pw" })).not.toThrow();
    const missing = refusal(() => transportFromConfig(configOf({ ...sftp, "sftp.key": "/nonexistent/id_ed25519" }), {}));
    expect([missing.field, missing.message]).toEqual(["sftp.key", expect.stringMatching(/^sync: sftp.key \/nonexistent\/id_ed25519: cannot read it \(ENOENT/)]);
    const notAKey = refusal(() => transportFromConfig(configOf({ ...sftp, "sftp.key": "package.json" }), {}));
    expect([notAKey.field, notAKey.message]).toEqual(["sftp.key", expect.stringMatching(/^sync: sftp.key package.json: not a private key sincro can use/)]);
  });

  it("--sftp URL: /~/dir is relative to the login folder; the password comes from SINCRO_SFTP_PASSWORD, never shown", () => {
    const open = (text: string, env: NodeJS.ProcessEnv = { SINCRO_SFTP_PASSWORD: "pw" }) => TRANSPORTS.sftp.location.open(text, env, "audit --sftp");
    expect(open(`sftp://ag01@example.org/srv/sincro?host-key=${fingerprint}`).describe).toBe("sftp://ag01@example.org:22/srv/sincro");
    expect(open("sftp://ag01@example.org:2222/~/parking").describe).toBe("sftp://ag01@example.org:2222/~/parking");
    expect(open("sftp://ag01:url-pw@example.org", {}).describe).toBe("sftp://ag01@example.org:22/~");
    // A fingerprint pasted as it is: its `+` is not read as a space.
    expect(() => open("sftp://ag01@example.org/?host-key=SHA256:qPQMihTsFdn9JNKoj8zGGIvrlOmxm1R+xWGf/zc07QM")).not.toThrow();
    for (const [text, message] of [
      ["sftp://u:secret@h:99999/", "audit --sftp sftp://u:********@h:99999/: not a URL; expected sftp://user@host:port/dir"],
      ["ftp://u@h/", 'audit --sftp: "ftp:" is not sftp:'],
      ["sftp://h/", "audit --sftp: the URL names no user; expected sftp://user@host:port/dir"],
      ["sftp://u@h/?host-key=abc", 'audit --sftp: host-key "abc" is not a fingerprint like SHA256:… as ssh-keygen -lf prints it'],
    ] as const) {
      const error = refusal(() => open(text));
      expect([error.field, error.message]).toEqual(["sftp", message]);
    }
    expect(refusal(() => open("sftp://u@h/", {})).message).toBe("audit --sftp: no way to log in; set SINCRO_SFTP_KEY to a private key file, or SINCRO_SFTP_PASSWORD");
  });
});

describe("the s3 transport's settings", () => {
  const s3 = { transport: "s3", "s3.bucket": "parking", "s3.access-key": "AKSTORED", "s3.secret-key": "stored-secret-Q7" };

  it("opens from the s3.* keys, each falling back to its AWS variable, without connecting or showing the secret", () => {
    const stored = transportFromConfig(configOf({ ...s3, "s3.endpoint": "http://127.0.0.1:7480", "s3.prefix": "/sincro/" }), {});
    expect(stored.describe).toBe("s3://parking/sincro/ at http://127.0.0.1:7480");
    expect(typeof stored.writeNew).toBe("function");
    const fromEnv = transportFromConfig(configOf({ transport: "s3", "s3.bucket": "parking" }), {
      AWS_ACCESS_KEY_ID: "AKENV",
      AWS_SECRET_ACCESS_KEY: "env-secret-Q8",
      AWS_ENDPOINT_URL: "https://s3.example.org",
    });
    expect(fromEnv.describe).toBe("s3://parking/ at https://s3.example.org");
    for (const t of [stored, fromEnv]) expect(t.describe).not.toMatch(/secret/);
    expect(transportFromConfig(configOf(s3), {}).describe).toBe("s3://parking/");
  });

  it("refuses a missing bucket or key, naming the key and the variable", () => {
    const missing = (values: Record<string, string>, env: NodeJS.ProcessEnv = {}) => {
      const error = refusal(() => transportFromConfig(configOf(values), env));
      return [error.field, error.code, error.message];
    };
    expect(missing({ transport: "s3" })).toEqual(["s3.bucket", "MISSING_CONFIG", 'sync: s3.bucket is not set; set it with "sincro config set s3.bucket VALUE"']);
    expect(missing({ transport: "s3", "s3.bucket": "parking" })).toEqual([
      "s3.access-key",
      "MISSING_CONFIG",
      'sync: s3.access-key is not set; set it with "sincro config set s3.access-key VALUE" or AWS_ACCESS_KEY_ID',
    ]);
    expect(missing({ transport: "s3", "s3.bucket": "parking" }, { AWS_ACCESS_KEY_ID: "AK" })[0]).toBe("s3.secret-key");
  });

  it("checks each key on config set; the secret key is secret", () => {
    for (const [key, value, problem] of [
      ["s3.bucket", "Parking_Area", "is not a bucket name"],
      ["s3.bucket", "ab", "is not a bucket name"],
      ["s3.endpoint", "ftp://127.0.0.1:7480", "must start with http:// or https://"],
      ["s3.endpoint", "127.0.0.1:7480", "must be a URL such as http://host:port"],
      ["s3.endpoint", "not a url", "must be a URL such as http://host:port"],
      ["s3.endpoint", "http://ak:sk@127.0.0.1:7480", "must not hold a user or password"],
      ["s3.prefix", "a/../b", 'must be names of [A-Za-z0-9._-] separated by "/"'],
      ["s3.prefix", "with space", 'must be names of [A-Za-z0-9._-] separated by "/"'],
      ["s3.region", " ", "must not be empty"],
    ] as const) {
      const error = refusal(() => checkConfig(key, value));
      expect(error.field).toBe(key);
      expect(error.message).toContain(problem);
    }
    for (const [key, value] of [["s3.bucket", "sincro.parking-1"], ["s3.endpoint", "https://s3.eu-south-1.amazonaws.com"], ["s3.prefix", "/offices/milano/"], ["s3.prefix", ""]] as const) {
      expect(() => checkConfig(key, value)).not.toThrow();
    }
    expect(isSecretKey("s3.secret-key")).toBe(true);
    expect(isSecretKey("s3.access-key")).toBe(false);
  });

  it("audit --s3 opens s3://bucket/prefix?endpoint=URL&region=R with the keys from the AWS variables", () => {
    const env = { AWS_ACCESS_KEY_ID: "AK", AWS_SECRET_ACCESS_KEY: "env-secret-Q8" };
    const open = (text: string, e: NodeJS.ProcessEnv = env) => TRANSPORTS.s3.location.open(text, e, "audit --s3");
    expect(open("s3://parking/sincro?endpoint=http://127.0.0.1:7480&region=eu-south-1").describe).toBe("s3://parking/sincro/ at http://127.0.0.1:7480");
    expect(open("s3://parking").describe).toBe("s3://parking/");
    for (const [text, e, message] of [
      ["parking/sincro", env, "audit --s3 parking/sincro: not a URL; expected s3://bucket/prefix?endpoint=URL"],
      ["http://parking/", env, 'audit --s3: "http:" is not s3:'],
      ["s3://AK:sk@parking/", env, "audit --s3: put no keys in the URL; give them as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"],
      ["s3://Bad_Bucket/", env, 'audit --s3: bucket "Bad_Bucket" is not a bucket name'],
      ["s3://parking/a%20b", env, 'audit --s3: prefix "/a b" must be names of [A-Za-z0-9._-] separated by "/"'],
      ["s3://parking/", {}, "audit --s3: AWS_ACCESS_KEY_ID is not set; the S3 keys come from the AWS variables"],
    ] as const) {
      const error = refusal(() => open(text, e));
      expect(error.field).toBe("s3");
      expect(error.message).toContain(message);
    }
  });
});
