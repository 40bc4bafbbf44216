import { randomBytes } from "node:crypto";
import { type Say, say, SincroError } from "../../errors.js";
import type { Transport } from "./transport.js";

/** One probe of {@link checkParkingArea}. */
export interface CheckStep {
  /** What was tried, e.g. `upload a file into SincroAg`. */
  step: string;
  /** The step's name as a catalogue message, for the user's language. */
  say: Say;
  /** `skipped` when an earlier failure made the step meaningless. */
  status: "ok" | "failed" | "skipped";
  /** For a failure: what is missing, in plain words, then the transport's error. */
  detail?: string;
}

export interface CheckReport {
  /** The parking area checked (`Transport.describe`). */
  target: string;
  /** True when every step passed: sincro can work in this parking area. */
  ok: boolean;
  steps: CheckStep[];
}

const AREAS = ["SincroAg", "SincroSede"] as const;
const PROBE_PREFIX = "sincro-check-";

/**
 * Tries, in each top folder of the parking area (`SincroAg`, `SincroSede`, DESIGN §4.1), every
 * operation sincro needs: create the folder, list it, upload a file, see it listed with its size,
 * read it back byte for byte, replace it by writing onto its name, delete it; and, where the
 * transport creates files only if absent (`writeNew`), that the store really refuses a second
 * create of one name: a store that overwrites instead cannot show two PCs publishing as one
 * agent, and fails the check. Each step is
 * reported with a plain explanation of the permission that is missing when it fails. The probe
 * files (`sincro-check-*`) are removed at the end, also after a failure when the server allows it.
 * Never throws for a failing server; only programming errors escape.
 */
export async function checkParkingArea(transport: Transport): Promise<CheckReport> {
  const steps: CheckStep[] = [];
  const connect = { step: `connect to ${transport.describe} and list its root`, say: say("check.connect", { target: transport.describe }) };
  const connected = await attempt(steps, connect, () => transport.list(""), (err) =>
    `cannot reach the parking area: ${messageOf(err)}`,
  );
  if (connected) {
    for (const area of AREAS) await checkArea(transport, area, steps);
  } else {
    for (const area of AREAS) steps.push({ step: `check ${area}`, say: say("check.area", { area }), status: "skipped" });
  }
  await transport.close().catch(() => undefined);
  return { target: transport.describe, ok: steps.every((step) => step.status === "ok"), steps };
}

/** How the permissions of a kind of parking area are called, for the explanations. */
interface Wording {
  /** Who needs the permission: `the FTP user`. */
  user: string;
  /** Why a listing may fail besides permissions. */
  listing: string;
  /** What writing a file takes. */
  upload: string;
  /** What reading a file back takes. */
  download: string;
  /** What replacing a file takes. */
  replace: string;
}

// The kind is read from `Transport.describe` (`ftp://…`, `sftp://…`, `folder:…`).
function wordingOf(transport: Transport): Wording {
  if (transport.describe.startsWith("sftp:")) {
    return {
      user: "the SFTP user",
      listing: "",
      upload: "upload, and rename of its own files with posix-rename@openssh.com",
      download: "read permission",
      replace: "the server must allow posix-rename@openssh.com, which replaces an existing file in one step",
    };
  }
  if (transport.describe.startsWith("ftp:")) {
    return {
      user: "the FTP user",
      listing: ", or the server's passive data connections are blocked",
      upload: "upload, and rename of its own files",
      download: "read (download) permission, and transfers must be binary",
      replace: "overwrite; on proftpd `AllowOverwrite on`",
    };
  }
  return {
    user: "the user running sincro",
    listing: "",
    upload: "create, write and rename files",
    download: "read permission",
    replace: "rename onto an existing name",
  };
}

// The SFTP adapter names the extension when the server lacks or refuses it.
const isPosixRenameMissing = (err: unknown) => /posix-rename@openssh\.com/.test(messageOf(err));

async function checkArea(transport: Transport, area: string, steps: CheckStep[]): Promise<void> {
  const words = wordingOf(transport);
  const token = randomBytes(4).toString("hex");
  const probe = `${area}/${PROBE_PREFIX}${token}.probe`;
  // Bytes that an ASCII-mode transfer or a text filter would change.
  const first = Buffer.concat([Buffer.from(`sincro check ${token}\r\n\n\r`), Buffer.from([0, 26, 255, 128, 13, 10])]);
  const second = Buffer.from(`sincro check ${token}, second version, longer than the first one\n`);
  const skipRest = (from: number, names: ReadonlyArray<{ step: string; say: Say }>) => {
    for (const name of names.slice(from)) steps.push({ ...name, status: "skipped" });
  };
  const names = [
    { step: `create folder ${area}`, say: say("check.createFolder", { area }) },
    { step: `list ${area}`, say: say("check.list", { area }) },
    { step: `upload a file into ${area}`, say: say("check.upload", { area }) },
    { step: `see the uploaded file listed in ${area}`, say: say("check.seeListed", { area }) },
    { step: `read the file back from ${area}`, say: say("check.readBack", { area }) },
    { step: `replace the file in ${area} by writing onto its name`, say: say("check.replace", { area }) },
    { step: `delete the file from ${area}`, say: say("check.delete", { area }) },
  ] as const;

  try {
    if (
      !(await attempt(steps, names[0], () => transport.ensureDir(area), (err) =>
        `cannot create folder ${area}: ${words.user} needs permission to create folders in the parking area (or create ${area} by hand). ${messageOf(err)}`,
      ))
    ) {
      return skipRest(1, [...names]);
    }

    await attempt(steps, names[1], () => transport.list(area), (err) =>
      `cannot list ${area}: ${words.user} needs permission to list folders${words.listing}. ${messageOf(err)}`,
    );

    if (
      !(await attempt(steps, names[2], () => transport.write(probe, first), (err) =>
        isPosixRenameMissing(err)
          ? `cannot put an uploaded file in place in ${area}: the server refuses or lacks posix-rename@openssh.com, the one-step rename sincro needs ` +
            `(OpenSSH offers it; do not deny it with \`-P posix-rename\` on internal-sftp). ${messageOf(err)}`
          : `cannot create files in ${area}: ${words.user} needs write permission there (${words.upload}). ${messageOf(err)}`,
      ))
    ) {
      return skipRest(3, [...names]);
    }

    await attempt(steps, names[3], async () => {
      const listed = (await transport.list(area)).find((file) => `${area}/${file.name}` === probe);
      if (listed === undefined) throw new CheckFailure("the file is not in the listing");
      if (listed.size !== first.length) throw new CheckFailure(`listed with ${listed.size} bytes instead of ${first.length}`);
    }, (err) => `an uploaded file does not show correctly in the listing of ${area}: the server hides or alters uploads (${messageOf(err)})`);

    await attempt(steps, names[4], async () => {
      const back = await transport.read(probe);
      if (back === null) throw new CheckFailure("the server says the file does not exist");
      if (!back.equals(first)) throw new CheckFailure(`got ${back.length} bytes that differ from the ${first.length} uploaded`);
    }, (err) =>
      `cannot read back what was uploaded to ${area}: ${words.user} needs ${words.download}. ${messageOf(err)}`,
    );

    await attempt(steps, names[5], async () => {
      await transport.write(probe, second);
      const back = await transport.read(probe);
      if (back === null || !back.equals(second)) throw new CheckFailure("the file still holds its first version after the replacement");
    }, (err) =>
      `cannot replace an existing file in ${area}: ${words.user} needs permission to rename a file onto an existing name (${words.replace}). ${messageOf(err)}`,
    );

    await attempt(steps, names[6], async () => {
      await transport.delete(probe);
      const still = (await transport.list(area)).some((file) => `${area}/${file.name}` === probe);
      if (still) throw new CheckFailure("the file is still listed after the delete");
    }, (err) =>
      `cannot delete files in ${area}: ${words.user} needs delete permission, without it the parking area is never cleaned up. ${messageOf(err)}`,
    );

    if (transport.writeNew) await checkCreateOnce(transport, area, `${probe}.once`, first, second, steps);
  } finally {
    await cleanUp(transport, area, token, steps);
  }
}

// Creates a probe only if absent, twice: the second create must be refused and change nothing.
async function checkCreateOnce(transport: Transport, area: string, probe: string, first: Buffer, second: Buffer, steps: CheckStep[]): Promise<void> {
  const writeNew = transport.writeNew?.bind(transport);
  if (writeNew === undefined) return;
  await attempt(steps, { step: `refuse a second create of one name in ${area}`, say: say("check.createOnce", { area }) }, async () => {
    if ((await writeNew(probe, first)) !== "created") throw new CheckFailure("a new name was reported as already taken");
    const again = await writeNew(probe, second);
    const back = await transport.read(probe);
    if (again !== "exists" || back === null || !back.equals(first)) throw new NotHonoured();
    await transport.delete(probe);
  }, (err) =>
    err instanceof NotHonoured
      ? `this ${storeName(transport)} does not honour conditional writes (${conditionName(transport)}): a second create of the same name replaced the first; sincro cannot detect two PCs with one agent code on it, so it must not be used as the parking area`
      : `cannot create a file only if absent in ${area}. ${messageOf(err)}`,
  );
}

const isS3 = (transport: Transport) => transport.describe.startsWith("s3://");
const storeName = (transport: Transport) => (isS3(transport) ? "S3 store" : "parking area");
const conditionName = (transport: Transport) => (isS3(transport) ? "If-None-Match" : "create only if absent");

// Removes this run's probe and any temporary upload it left behind.
async function cleanUp(transport: Transport, area: string, token: string, steps: CheckStep[]): Promise<void> {
  const prefix = `${PROBE_PREFIX}${token}.probe`;
  let leftovers: string[];
  try {
    leftovers = (await transport.list(area)).map((file) => file.name).filter((name) => name.startsWith(prefix));
  } catch {
    return; // A listing failure is already reported.
  }
  const stuck: string[] = [];
  for (const name of leftovers) {
    try {
      await transport.delete(`${area}/${name}`);
    } catch {
      stuck.push(name);
    }
  }
  if (stuck.length > 0) {
    steps.push({
      step: `remove the probe files from ${area}`,
      say: say("check.removeProbes", { area }),
      status: "failed",
      detail: `could not delete ${stuck.join(", ")} in ${area}: delete them by hand`,
    });
  }
}

async function attempt(
  steps: CheckStep[],
  step: { step: string; say: Say },
  action: () => Promise<unknown>,
  explain: (err: unknown) => string,
): Promise<boolean> {
  try {
    await action();
    steps.push({ ...step, status: "ok" });
    return true;
  } catch (err) {
    if (!(err instanceof SincroError) && !(err instanceof CheckFailure)) throw err;
    steps.push({ ...step, status: "failed", detail: explain(err) });
    return false;
  }
}

// A probe saw the server misbehave (as opposed to a transport error).
class CheckFailure extends Error {}

// The store overwrote a name it was asked to create only if absent.
class NotHonoured extends CheckFailure {}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
