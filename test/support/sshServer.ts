// A real SFTP server for the integration tests: Debian's OpenSSH sshd, started privately in the
// foreground (`sshd -D -e -f CONFIG`) on 127.0.0.1 with a free port and its own host key, one
// test user chrooted and limited to internal-sftp, key and password login; stopped by PID.
// `scripts/install-ssh-server.sh` installs it; nothing here is skipped when it is missing.
//
// sshd refuses a chroot folder any of whose components is not root-owned or is writable by
// others (so nothing under /tmp): the servers live under /var/lib/sincro-test-sshd. The user
// logs in to `/park` inside its chroot, a folder it owns: the parking area is its login folder.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { daemon, ensureSystemUser, freePort, waitForGreeting } from "./daemon.js";

const run = promisify(execFile);

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const INSTALL_SCRIPT = "scripts/install-ssh-server.sh";
const SSHD = "/usr/sbin/sshd";
const SSH_KEYGEN = "/usr/bin/ssh-keygen";
const BASE = "/var/lib/sincro-test-sshd";
// Fixed so that test files starting servers in parallel agree; the account has no login shell.
const SYSTEM_USER = "sincrosftp";
const SYSTEM_PASSWORD = "sincro-test-only-Sftp1";
const SYSTEM_HOME = "/var/lib/sincrosftp";
const TEST_USER = { name: SYSTEM_USER, password: SYSTEM_PASSWORD, home: SYSTEM_HOME, needsHome: false };

/** A running sshd; connect an `SftpTransport` with these fields. */
export interface RunningSshServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The test user's private key (OpenSSH format, no passphrase) and the file holding it. */
  privateKey: string;
  privateKeyFile: string;
  /** The server's host key fingerprint, as `ssh-keygen -lf` prints it (`SHA256:…`). */
  hostKey: string;
  /** Local folder the user logs in to (`/park` in its chroot): the parking area's root. */
  root: string;
  /** What sshd wrote so far (`-e`: its log on stderr), for failing tests. */
  log(): string;
  /** The PIDs of the processes serving the open connections (to freeze a session in a test). */
  sessionProcesses(): Promise<number[]>;
  /** Kills the server and its sessions by PID, waits for it to exit, removes its folders. */
  stop(): Promise<void>;
}

export interface SshServerOptions {
  /**
   * Options for the user's internal-sftp, to take a permission away: `-R` read-only,
   * `-P posix-rename` refuses the atomic replace.
   */
  sftpFlags?: string[];
  /** Accept password logins (default true; keys are always accepted). */
  passwordAuthentication?: boolean;
}

/** Throws a clear error when sshd cannot run here, naming the missing binary and the fix. */
export function requireSshd(): void {
  for (const binary of [SSHD, SSH_KEYGEN]) {
    if (!existsSync(binary)) {
      throw new Error(`sshd cannot start: ${binary} is missing. Install it with \`sudo bash ${INSTALL_SCRIPT}\` (from ${projectRoot}).`);
    }
  }
}

export async function startSshd(options: SshServerOptions = {}): Promise<RunningSshServer> {
  requireSshd();
  const { uid, gid } = await ensureSystemUser(TEST_USER);
  await mkdir("/run/sshd", { recursive: true, mode: 0o755 }); // privilege separation folder
  await mkdir(BASE, { recursive: true, mode: 0o755 });
  const work = await mkdtemp(join(BASE, "srv-"));
  // The user must pass through to read its authorized keys; the chroot path must be root's.
  await chmod(work, 0o755);
  const chroot = join(work, "chroot", SYSTEM_USER);
  const root = join(chroot, "park");
  await mkdir(root, { recursive: true, mode: 0o755 });
  await chown(root, uid, gid);
  const keys = join(work, "keys");
  await mkdir(keys, { mode: 0o755 });

  const hostKeyFile = join(work, "host_ed25519");
  const clientKeyFile = join(work, "client_ed25519");
  await Promise.all([
    run(SSH_KEYGEN, ["-q", "-t", "ed25519", "-N", "", "-C", "sincro-test-host", "-f", hostKeyFile]),
    run(SSH_KEYGEN, ["-q", "-t", "ed25519", "-N", "", "-C", "sincro-test-client", "-f", clientKeyFile]),
  ]);
  await writeFile(join(keys, SYSTEM_USER), await readFile(`${clientKeyFile}.pub`), { mode: 0o644 });
  // "256 SHA256:… comment (ED25519)"
  const printed = (await run(SSH_KEYGEN, ["-l", "-E", "sha256", "-f", `${hostKeyFile}.pub`])).stdout;
  const hostKey = /SHA256:[A-Za-z0-9+/]+/.exec(printed)?.[0];
  if (hostKey === undefined) throw new Error(`ssh-keygen -lf printed no SHA256 fingerprint: ${printed}`);

  const port = await freePort();
  const sftp = ["internal-sftp", "-d", "/park", ...(options.sftpFlags ?? [])].join(" ");
  const config = join(work, "sshd_config");
  await writeFile(
    config,
    [
      "ListenAddress 127.0.0.1",
      `Port ${port}`,
      `HostKey ${hostKeyFile}`,
      `PidFile ${join(work, "sshd.pid")}`,
      `PasswordAuthentication ${options.passwordAuthentication === false ? "no" : "yes"}`,
      "KbdInteractiveAuthentication no",
      "PubkeyAuthentication yes",
      `AuthorizedKeysFile ${keys}/%u`,
      "StrictModes no",
      "UsePAM no",
      "UseDNS no",
      "PermitRootLogin no",
      `AllowUsers ${SYSTEM_USER}`,
      "MaxStartups 100",
      "LogLevel INFO",
      "Subsystem sftp internal-sftp",
      `Match User ${SYSTEM_USER}`,
      `  ChrootDirectory ${join(work, "chroot")}/%u`,
      `  ForceCommand ${sftp}`,
      "  AllowTcpForwarding no",
      "  X11Forwarding no",
      "",
    ].join("\n"),
    { mode: 0o600 },
  );
  const child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "pipe", "pipe"] });
  const server = daemon(child);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Each session is a child process of its own; it outlives the listener otherwise.
      const sessions = child.pid === undefined ? [] : await childrenOf(child.pid);
      const stopped = server.stop(3000);
      for (const session of sessions) killQuietly(session);
      await stopped;
      await rm(work, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    await waitForGreeting(port, server, "SSH banner", (text) => text.startsWith("SSH-2.0-"));
  } catch (err) {
    await stop();
    throw new Error(`sshd did not start on 127.0.0.1:${port}: ${(err as Error).message}`);
  }
  return {
    host: "127.0.0.1",
    port,
    user: SYSTEM_USER,
    password: SYSTEM_PASSWORD,
    privateKey: await readFile(clientKeyFile, "utf8"),
    privateKeyFile: clientKeyFile,
    hostKey,
    root,
    log: server.output,
    sessionProcesses: async () => (child.pid === undefined ? [] : descendantsOf(child.pid)),
    stop,
  };
}

// The PIDs whose parent is `pid` (sshd's per-connection processes), read from /proc.
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    // pid (comm) state ppid …: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid === pid) found.push(Number(entry));
  }
  return found;
}

// Children, grandchildren …: a session is a privileged monitor and its unprivileged child.
async function descendantsOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const child of await childrenOf(pid)) found.push(child, ...(await descendantsOf(child)));
  return found;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // Already gone.
  }
}
