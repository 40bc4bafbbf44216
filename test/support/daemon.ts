// What the real servers the tests start (ftpServers.ts, sshServer.ts, cephS3.ts) share: a free
// port, a child process that is stopped gracefully and killed if the test process exits first,
// a wait for the server's greeting, and the test system user the FTP and SFTP servers log in as.
import { execFile, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { connect, createServer, type AddressInfo } from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
  });
}

// Servers still running; killed if the test process exits without stopping them.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** A server process: its output so far, a promise of its exit, and a stop that waits for it. */
export interface Daemon {
  child: ChildProcess;
  exited: Promise<void>;
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited (at once if it had). */
  stop(graceMs: number): Promise<void>;
}

/**
 * Watches a just-spawned server: its output is collected (the last `tail` characters, when
 * given) and it is killed if the tests exit first.
 */
export function daemon(child: ChildProcess, tail = Infinity): Daemon {
  live.add(child);
  let output = "";
  const take = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-tail));
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
  const exited = new Promise<void>((done) =>
    child.once("exit", () => {
      live.delete(child);
      done();
    }),
  );
  return {
    child,
    exited,
    output: () => output,
    async stop(graceMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Resolves once a connection to `port` receives text that `ready` accepts (an FTP `220`, an
 * `SSH-2.0-` banner); fails, saying `what` and the server's output, if it exits first or after 10 s.
 */
export async function waitForGreeting(port: number, server: Daemon, what: string, ready: (text: string) => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  let gone = false;
  void server.exited.then(() => (gone = true));
  while (Date.now() < deadline) {
    if (gone) throw new Error(`it exited: ${server.output().trim() || "no output"}`);
    if (await greets(port, ready)) return;
    await new Promise((wait) => setTimeout(wait, 50));
  }
  throw new Error(`no ${what} within 10 s; output: ${server.output().trim() || "none"}`);
}

function greets(port: number, ready: (text: string) => boolean): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(1000, () => finish(false));
    socket.on("error", () => finish(false));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (ready(text)) finish(true);
    });
  });
}

/** A system user the test servers log in as: no login shell, a known password. */
export interface TestUser {
  name: string;
  password: string;
  home: string;
  /** Whether the home folder must exist (vsftpd refuses a user whose home is missing, even with `local_root`). */
  needsHome: boolean;
}

const users = new Map<string, Promise<{ uid: number; gid: number }>>();

/**
 * Creates `user` once per process (run the tests as root) and sets its password: with `UsePAM no`
 * sshd refuses even key logins for an account without one (it is locked).
 */
export function ensureSystemUser(user: TestUser): Promise<{ uid: number; gid: number }> {
  let made = users.get(user.name);
  if (made === undefined) {
    made = (async () => {
      if (!(await lookUpUser(user.name))) {
        await retryOnLock(() => run("useradd", ["--system", "--no-create-home", "--home-dir", user.home, "--shell", "/usr/sbin/nologin", user.name])).catch(
          async (err) => {
            // Another test file may have created it at the same moment.
            if (!(await lookUpUser(user.name))) throw new Error(`cannot create system user ${user.name} (run the tests as root): ${err}`);
          },
        );
      }
      await retryOnLock(() => runWithInput("chpasswd", [], `${user.name}:${user.password}\n`));
      const found = await lookUpUser(user.name);
      if (!found) throw new Error(`system user ${user.name} is missing after useradd`);
      if (user.needsHome && !existsSync(found.home)) {
        if (found.home !== user.home) await retryOnLock(() => run("usermod", ["--home", user.home, user.name]));
        await mkdir(user.home, { recursive: true, mode: 0o755 });
      }
      return { uid: found.uid, gid: found.gid };
    })();
    users.set(user.name, made);
  }
  return made;
}

async function lookUpUser(name: string): Promise<{ uid: number; gid: number; home: string } | undefined> {
  const passwd = await readFile("/etc/passwd", "utf8");
  const fields = passwd
    .split("\n")
    .find((entry) => entry.startsWith(`${name}:`))
    ?.split(":");
  if (fields === undefined || fields[2] === undefined || fields[3] === undefined || fields[5] === undefined) return undefined;
  return { uid: Number(fields[2]), gid: Number(fields[3]), home: fields[5] };
}

/** Runs `action` again while another process holds /etc/passwd's lock (useradd, chpasswd). */
export async function retryOnLock<T>(action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (attempt >= 20 || !/lock/i.test(String(err))) throw err;
      await new Promise((wait) => setTimeout(wait, 100 + randomInt(200)));
    }
  }
}

/** Runs `command` with `input` on its stdin. */
export function runWithInput(command: string, args: string[], input: string): Promise<{ stdout: string }> {
  return new Promise((done, fail) => {
    const child = execFile(command, args, (err, stdout, stderr) => {
      if (err) fail(new Error(`${command} failed: ${stderr.trim() || err.message}`));
      else done({ stdout });
    });
    child.stdin?.end(input);
  });
}
