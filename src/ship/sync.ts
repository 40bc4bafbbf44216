import type { SincroNode } from "../node/sincroNode.js";
import { AG_ROOT, CATALOGUE, SEDE_ROOT, inboundStreams, producerOf, streamFolder } from "../wire/streams.js";
import { RefusedError, SegmentError, SincroError, say } from "../errors.js";
import { acknowledge } from "./acknowledge.js";
import { agentsToReadNow, listenToBells, oweBell, rememberBells, ringBell } from "./doorbell.js";
import { prefetch } from "./prefetch.js";
import { prune, refreshReaderAcks } from "./prune.js";
import { publish } from "./publish.js";
import { receive } from "./receive.js";
import { askForAStart, checkPublished, continueEarlierPc } from "./reinstall.js";
import { recoverAfterRestore, serveReturns } from "./restore.js";
import { answerRecoverRequest, awaitingAgent, detectRestoredOffice, recoverRestoredOffice } from "./sedeRestore.js";
import { resendRequested, restoreForFirstSync } from "./resend.js";
import { rewriteForNewReaders } from "./rewrite.js";
import { emptyRetiredFolders, retirementsWaiting } from "./retiredFolders.js";
import { checkHead, publishHead } from "./officeHead.js";
import { refreshAgentSnapshots, seal } from "./seal.js";
import { checkClockFirst, reportClock } from "./clockCheck.js";
import { SyncRun, type SyncOptions, type SyncReport } from "./syncRun.js";
import type { Transport } from "./transports/transport.js";

export type { SyncOptions, SyncProgress, SyncReport } from "./syncRun.js";
export type { AckFile } from "../wire/ackFile.js";

/**
 * One sync of a node through a parking area (DESIGN §4): seal what is pending, publish it,
 * receive and apply what the other side parked, acknowledge, and prune what every reader has
 * acknowledged. Each step is idempotent, so after a crash or a dropped connection at any point
 * the next sync completes the work and every event is applied exactly once.
 */
export async function sync(node: SincroNode, transport: Transport, options: SyncOptions = {}): Promise<SyncReport> {
  const release = node.claimSync();
  const run = new SyncRun(node, transport, options);
  try {
    return await syncSteps(run);
  } catch (err) {
    // What was written before the failure is announced now if the connection still serves;
    // otherwise the ring stays owed to the next sync.
    if (node.role === "agent") await ringBell(run).catch(() => undefined);
    throw err;
  } finally {
    await run.connections.close();
    release();
  }
}

async function syncSteps(run: SyncRun): Promise<SyncReport> {
  const { node, transport } = run;
  const commandsBefore = transport.stats().commands;
  await checkRoots(run);
  // Before anything is recorded or applied: what this sync records carries corrected times.
  await checkClockFirst(run);
  const conflictsBefore = node.read.listConflicts().length;
  const inbound = inboundStreams(node.id, run.agents);
  // The sede reads only the folders of the agents that rang (and, now and then, all of them),
  // on several connections at once; an agent reads its two folders.
  const bells = node.role === "sede" ? await listenToBells(run) : undefined;
  if (bells) {
    run.reading = agentsToReadNow(run, bells);
    await prefetch(run, [...run.reading]);
  } else for (const stream of inbound) await run.list(streamFolder(stream));
  if (node.role === "agent") {
    try {
      await checkPublished(run);
      run.holdOwnStream = (await continueEarlierPc(run)) || (await recoverAfterRestore(run));
      // Files it waited on that a check above no longer finds: the PC goes on, and takes new work.
      if (!run.heldOnFile && node.heldOn().length > 0) node.holdOn([]);
    } catch (err) {
      // Nothing to start from: ask for it and ring, so the office's next sync looks at this
      // agent and puts back what it parked for it if that went missing (or seals it anew).
      if (err instanceof SincroError && err.code === "NOT_PUBLISHED") await askForAStart(run).catch(() => undefined);
      oweBell(node);
      await ringBell(run).catch(() => undefined);
      throw err;
    }
  }
  if (node.role === "sede") await detectRestoredOffice(run);
  if (run.holdOwnStream) {
    // A restored PC waiting for its own events records, applies and publishes nothing (even a
    // snapshot applied would take an event number the office already holds): it only asks.
    await ringBell(run);
    reportClock(run);
    run.report.commands = transport.stats().commands - commandsBefore + run.connections.commands();
    return run.report;
  }
  seal(run);
  await resendRequested(run);
  if (node.role === "sede") await restoreForFirstSync(run);
  await rewriteForNewReaders(run, inbound);
  await publish(run);
  // A restored office takes back what it lacks before reading on; an agent it waits for is not read meanwhile.
  if (node.role === "sede") await recoverRestoredOffice(run);
  for (const stream of inbound) if (run.reads(producerOf(stream)) && !(node.role === "sede" && awaitingAgent(node, producerOf(stream)))) await receive(run, stream);
  // What retiring agents had parked is received now; from here on nothing they sign is accepted
  // (a retired agent's upload that could not be read yet is tried again at the next sync).
  if (node.role === "sede") node.keyring.finishRetirements(retirementsWaiting(run));
  if (node.role === "sede") await serveReturns(run);
  if (node.role === "sede" && refreshAgentSnapshots(run)) await publish(run);
  await acknowledge(run, inbound);
  if (node.role === "sede") await refreshReaderAcks(run);
  await prune(run);
  if (node.role === "sede") await emptyRetiredFolders(run);
  if (node.role === "sede") await publishHead(run);
  else {
    await checkHead(run);
    await answerRecoverRequest(run);
  }
  if (bells) await rememberBells(run, bells);
  else await ringBell(run);
  reportClock(run);
  run.report.conflicts = node.read.listConflicts().length - conflictsBefore;
  run.report.commands = transport.stats().commands - commandsBefore + run.connections.commands();
  return run.report;
}

/**
 * Sync never creates the parking area's root folders (DESIGN §8): a mistyped folder must not
 * receive orders that no one will ever read. The first sync of a node through a parking area
 * checks that SincroAg and SincroSede are there (one listing), and remembers it for that area.
 */
async function checkRoots(run: SyncRun): Promise<void> {
  const { node, transport } = run;
  if (node.config("parking.verified") === transport.describe) return;
  const folders = await transport.listDirs("");
  const missing = [AG_ROOT, SEDE_ROOT].filter((f) => !folders.includes(f));
  if (missing.length > 0) {
    throw new RefusedError(
      "parking",
      `sync: ${transport.describe} has no ${missing.join(" and no ")} folder, so it is not a parking area: check the folder setting (ftp.dir, sftp.dir, s3.prefix or folder.path); at the office, "sincro parking check" creates them`,
      { code: "NO_PARKING_AREA", say: say("error.notParkingArea", { target: transport.describe, folders: missing.join(", ") }) },
    );
  }
  if (node.role === "sede" && !node.outbox.everUploaded()) await checkNotInUse(run);
  // A parking area this node has not synced through before (a new one, or the first sync of this
  // version): what it published and still holds is published again there, the listing being the
  // truth (DESIGN §8); a copy already there with the same content costs only the comparison.
  node.db.transaction(() => {
    if (node.config("parking.verified") !== undefined) {
      node.db.prepare(`UPDATE outbox_files SET uploaded = NULL WHERE uploaded IS NOT NULL AND pruned IS NULL AND bytes IS NOT NULL`).run();
      node.db.prepare(`DELETE FROM folder_readers`).run();
      node.db.prepare(`DELETE FROM bell_heard`).run();
      node.db.prepare(`DELETE FROM node_config WHERE key = 'head.last'`).run();
    }
    node.setState("parking.verified", transport.describe);
  })();
}

/**
 * A new office database (one that never published anything) refuses a parking area where
 * another office database publishes: its snapshots would replace the other's under the same
 * names, and every agent enrolled by the other would refuse them. The newest office file there
 * is read once: signed with this office's keys (restored with `init --restore-key`), it is this
 * office's; otherwise sync stops, names the file, and says what to do.
 */
async function checkNotInUse(run: SyncRun): Promise<void> {
  const folder = streamFolder(CATALOGUE);
  const files = (await run.list(folder)).filter((f) => /^\d{10}\.(head|seg|snap)$/.test(f.name));
  // Heads first (small, written at every sync that moved), then the newest segment or snapshot.
  const newest = files.sort((a, b) => Number(b.name.endsWith(".head")) - Number(a.name.endsWith(".head")) || b.name.localeCompare(a.name))[0];
  if (!newest) return;
  const path = `${folder}/${newest.name}`;
  try {
    await run.fetch(path, newest);
  } catch (err) {
    if (!(err instanceof SegmentError)) throw err;
    throw new RefusedError(
      "parking",
      `sync: ${run.transport.describe} is already used by another office database: ${path} was not written with this office's keys (${err.message}). ` +
        `If this PC replaces the office PC, restore the office's keys ("sincro init --role sede --restore-key FILE") or its backup instead of starting a new database; ` +
        `to start over on this parking area, empty its SincroAg and SincroSede folders first`,
      { code: "AREA_IN_USE", say: say("error.areaInUse", { parking: run.transport.describe, file: path }) },
    );
  }
}
