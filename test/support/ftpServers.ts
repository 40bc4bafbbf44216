// Real FTP servers for the integration tests: vsftpd (apt) and pure-ftpd (unpacked into
// .vendor/pure-ftpd), each in the foreground on 127.0.0.1 with a free port, a temporary root, a
// passive port range on 127.0.0.1, optional TLS with a self-signed test certificate, stopped by PID.
// `scripts/install-ftp-servers.sh` installs both; nothing here is skipped when they are missing.
import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { daemon, ensureSystemUser, freePort, runWithInput, waitForGreeting } from "./daemon.js";

const run = promisify(execFile);

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const INSTALL_SCRIPT = "scripts/install-ftp-servers.sh";
const VSFTPD = "/usr/sbin/vsftpd";
const PURE_FTPD = join(projectRoot, ".vendor/pure-ftpd/usr/sbin/pure-ftpd");
const PURE_PW = join(projectRoot, ".vendor/pure-ftpd/usr/bin/pure-pw");
// vsftpd authenticates system users through PAM; this one exists only for the tests.
const SYSTEM_USER = "sincroftp";
// Fixed so that test files starting servers in parallel agree; the account cannot log in to a shell.
const SYSTEM_PASSWORD = "sincro-test-only-Ftp1";
const SYSTEM_HOME = "/var/lib/sincroftp";
const PAM_SERVICE = "sincro-test-vsftpd";

export type FtpServerKind = "vsftpd" | "pure-ftpd";

/** A running server; connect an `FtpTransport` with these fields (and `ca` when `secure`). */
export interface RunningFtpServer {
  kind: FtpServerKind;
  host: string;
  port: number;
  user: string;
  password: string;
  /** Local folder the user sees as `/`. */
  root: string;
  /** Explicit FTPS required (`AUTH TLS`); plain connections are refused. */
  secure: boolean;
  /** PEM certificate of the server (self-signed for 127.0.0.1), when `secure`. */
  ca: string | undefined;
  /** Kills the server by its PID, waits for it to exit, removes the temporary folders. */
  stop(): Promise<void>;
}

export interface FtpServerOptions {
  tls?: boolean;
  /**
   * Take a permission away, to test how it is reported: `"write"` (vsftpd: no upload, folder
   * creation, rename or delete), `"delete"` (pure-ftpd: uploads allowed, nothing ever deleted).
   */
  deny?: "write" | "delete";
  /** vsftpd only: settings that override the defaults here. */
  vsftpdSettings?: Record<string, string>;
}

/** What is missing to run each server here, `undefined` when it can run. */
export function ftpServerAvailability(): Record<FtpServerKind, string | undefined> {
  const openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].some((path) => existsSync(path))
    ? undefined
    : "openssl (needed for the TLS certificate)";
  return {
    vsftpd: !existsSync(VSFTPD) ? VSFTPD : openssl,
    "pure-ftpd": !existsSync(PURE_FTPD) ? PURE_FTPD : !existsSync(PURE_PW) ? PURE_PW : openssl,
  };
}

/** Throws a clear error when `kind` cannot run here, naming the missing binary and the fix. */
export function requireFtpServer(kind: FtpServerKind): void {
  const missing = ftpServerAvailability()[kind];
  if (missing !== undefined) {
    throw new Error(
      `${kind} cannot start: ${missing} is missing. Install the test FTP servers with \`sudo bash ${INSTALL_SCRIPT}\` (from ${projectRoot}).`,
    );
  }
}

export async function startVsftpd(options: FtpServerOptions = {}): Promise<RunningFtpServer> {
  requireFtpServer("vsftpd");
  if (options.deny === "delete") throw new Error("vsftpd cannot deny deletes alone; use pure-ftpd for that");
  const { uid, gid } = await ensureSystemUser(TEST_USER);
  await ensurePamService();
  const work = await mkdtemp(join(tmpdir(), "sincro-vsftpd-"));
  await chmod(work, 0o711); // the FTP user must pass through to its root
  const root = join(work, "root");
  const empty = join(work, "empty");
  await mkdir(root);
  await mkdir(empty, { mode: 0o555 });
  await chown(root, uid, gid);
  const port = await freePort();
  const pasvMin = randomInt(21_000, 26_000);
  const settings: Record<string, string> = {
    listen: "YES",
    listen_ipv6: "NO",
    listen_address: "127.0.0.1",
    listen_port: String(port),
    background: "NO",
    anonymous_enable: "NO",
    local_enable: "YES",
    write_enable: options.deny === "write" ? "NO" : "YES",
    local_umask: "022",
    local_root: root,
    chroot_local_user: "YES",
    allow_writeable_chroot: "YES",
    secure_chroot_dir: empty,
    pam_service_name: PAM_SERVICE,
    seccomp_sandbox: "NO",
    pasv_enable: "YES",
    pasv_address: "127.0.0.1",
    pasv_min_port: String(pasvMin),
    pasv_max_port: String(pasvMin + 99),
    port_enable: "NO",
    xferlog_enable: "NO",
    syslog_enable: "NO",
    vsftpd_log_file: "/dev/null",
    userlist_enable: "NO",
    tcp_wrappers: "NO",
    delay_failed_login: "0",
    ftpd_banner: "sincro test vsftpd",
  };
  let ca: string | undefined;
  if (options.tls === true) {
    const cert = await testCertificate();
    ca = cert.cert;
    Object.assign(settings, {
      ssl_enable: "YES",
      rsa_cert_file: cert.certFile,
      rsa_private_key_file: cert.keyFile,
      // OpenSSL 3 has no cipher by vsftpd's default name. require_ssl_reuse stays at its default
      // (YES): basic-ftp 6 resumes the control connection's TLS session on data connections.
      ssl_ciphers: "HIGH",
      force_local_logins_ssl: "YES",
      force_local_data_ssl: "YES",
    });
  }
  Object.assign(settings, options.vsftpdSettings);
  const config = join(work, "vsftpd.conf");
  await writeFile(
    config,
    Object.entries(settings)
      .map(([key, value]) => `${key}=${value}\n`)
      .join(""),
    { mode: 0o600 },
  );
  const child = spawn(VSFTPD, [config], { stdio: ["ignore", "pipe", "pipe"] });
  return running("vsftpd", child, port, work, {
    user: SYSTEM_USER,
    password: SYSTEM_PASSWORD,
    root,
    secure: options.tls === true,
    ca,
  });
}

export async function startPureFtpd(options: FtpServerOptions = {}): Promise<RunningFtpServer> {
  requireFtpServer("pure-ftpd");
  if (options.deny === "write") throw new Error("use vsftpd to deny writes");
  const { uid, gid } = await ensureSystemUser(TEST_USER);
  const work = await mkdtemp(join(tmpdir(), "sincro-pureftpd-"));
  await chmod(work, 0o711); // the FTP user must pass through to its root
  const root = join(work, "root");
  await mkdir(root);
  await chown(root, uid, gid);
  const user = "sincro";
  const password = randomBytes(12).toString("base64url");
  // pure-pw would hash with argon2id, about 3.5 s of CPU per login: write a SHA-512 crypt hash.
  const hashed = (await runWithInput("openssl", ["passwd", "-6", "-stdin"], `${password}\n`)).stdout.trim();
  await writeFile(join(work, "passwd"), `${user}:${hashed}:${uid}:${gid}::${root}/./::::::::::::\n`, { mode: 0o600 });
  await run(PURE_PW, ["mkdb", join(work, "pureftpd.pdb"), "-f", join(work, "passwd")]);
  const port = await freePort();
  const pasvMin = randomInt(26_000, 32_000);
  const args = [
    "-S", `127.0.0.1,${port}`,
    "-p", `${pasvMin}:${pasvMin + 99}`,
    "-P", "127.0.0.1",
    "-l", `puredb:${join(work, "pureftpd.pdb")}`,
    "-E", // no anonymous
    "-A", // chroot everyone
    "-H", // no reverse DNS
    "-f", "none", // no syslog
  ];
  if (options.deny === "delete") args.push("-K");
  let ca: string | undefined;
  if (options.tls === true) {
    const cert = await testCertificate();
    ca = cert.cert;
    // -Y 2: refuse logins that are not encrypted; key and certificate in one PEM.
    args.push("-Y", "2", "-2", cert.pemFile);
  }
  const child = spawn(PURE_FTPD, args, { stdio: ["ignore", "pipe", "pipe"] });
  return running("pure-ftpd", child, port, work, { user, password, root, secure: options.tls === true, ca });
}

async function running(
  kind: FtpServerKind,
  child: ChildProcess,
  port: number,
  work: string,
  fields: Pick<RunningFtpServer, "user" | "password" | "root" | "secure" | "ca">,
): Promise<RunningFtpServer> {
  const server = daemon(child);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await server.stop(3000);
      await rm(work, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await waitForGreeting(port, server, "greeting", (text) => /^220 /m.test(text));
  } catch (err) {
    await stop();
    throw new Error(`${kind} did not start on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  return { kind, host: "127.0.0.1", port, ...fields, stop };
}

// vsftpd refuses a user whose home folder is missing, even with `local_root`.
const TEST_USER = { name: SYSTEM_USER, password: SYSTEM_PASSWORD, home: SYSTEM_HOME, needsHome: true };

// Debian's own vsftpd PAM service also checks /etc/shells, which refuses a nologin user; this one
// only checks the password.
async function ensurePamService(): Promise<void> {
  const path = `/etc/pam.d/${PAM_SERVICE}`;
  const wanted = "auth required pam_unix.so nodelay\naccount required pam_unix.so\nsession required pam_unix.so\n";
  const current = await readFile(path, "utf8").catch(() => "");
  if (current !== wanted) await writeFile(path, wanted);
}

interface TestCertificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  pemFile: string;
}

let certificate: Promise<TestCertificate> | undefined;

/**
 * A self-signed certificate for 127.0.0.1, made once and kept in `.vendor/test-tls` (ignored by
 * git) for later runs; test processes that race to make it agree through an atomic rename.
 */
export function testCertificate(): Promise<TestCertificate> {
  certificate ??= (async () => {
    const folder = join(projectRoot, ".vendor", "test-tls");
    const files = (dir: string) => ({
      keyFile: join(dir, "key.pem"),
      certFile: join(dir, "cert.pem"),
      pemFile: join(dir, "key-and-cert.pem"),
    });
    if (!existsSync(files(folder).pemFile)) {
      await mkdir(dirname(folder), { recursive: true });
      const draft = await mkdtemp(`${folder}.draft-`);
      const { keyFile, certFile, pemFile } = files(draft);
      await run("openssl", [
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650",
        "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", keyFile, "-out", certFile,
      ]);
      await writeFile(pemFile, (await readFile(keyFile, "utf8")) + (await readFile(certFile, "utf8")), { mode: 0o600 });
      // Another process may have won the race: then its certificate is used and the draft dropped.
      await rename(draft, folder).catch(() => rm(draft, { recursive: true, force: true }));
    }
    const paths = files(folder);
    const [key, cert] = await Promise.all([readFile(paths.keyFile, "utf8"), readFile(paths.certFile, "utf8")]);
    return { key, cert, ...paths };
  })();
  return certificate;
}
