import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { RefusedError } from "../../../src/errors.js";
import { CONFIG_KEYS, checkConfig, TRANSPORT_NAMES } from "../../../src/node/config.js";
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
    ]);
    expect(TRANSPORT_KINDS.map((kind) => kind.name).sort()).toEqual([...TRANSPORT_NAMES].sort());
    for (const name of TRANSPORT_NAMES) expect(() => checkConfig("transport", name)).not.toThrow();
    expect(() => checkConfig("transport", "s3")).toThrow('config transport "s3" must be "ftp" or "sftp" or "folder"');
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
    expect(transportFromConfig(configOf(ftp), {}).describe).toBe("ftp://ag01@example.org:21/");
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
      'sync: no transport configured; run "sincro config set transport ftp" (or sftp or folder) first',
    ]);
    expect(refusal(() => transportFromConfig(configOf({ transport: "folder" }), {})).message).toBe(
      'sync: folder.path is not set; set it with "sincro config set folder.path VALUE"',
    );
    const ftp: Record<string, string> = { transport: "ftp" };
    expect(refusal(() => transportFromConfig(configOf(ftp), {})).field).toBe("ftp.password");
    expect(refusal(() => transportFromConfig(configOf(ftp), { SINCRO_FTP_PASSWORD: "pw" })).field).toBe("ftp.host");
    expect(refusal(() => transportFromConfig(configOf({ ...ftp, "ftp.host": "h" }), { SINCRO_FTP_PASSWORD: "pw" })).field).toBe("ftp.user");
    expect(refusal(() => transportFromConfig(configOf({ transport: "carrier-pigeon" }), {})).message).toBe(
      'sync: transport "carrier-pigeon" is not one sincro knows; run "sincro config set transport ftp" (or sftp or folder)',
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
