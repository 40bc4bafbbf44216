import type { SincroNode } from "../node/sincroNode.js";
import { inboundStreams, streamFolder } from "../wire/streams.js";
import { acknowledge } from "./acknowledge.js";
import { prune } from "./prune.js";
import { publish } from "./publish.js";
import { receive } from "./receive.js";
import { checkPublished, continueEarlierPc } from "./reinstall.js";
import { resendRequested, restoreForFirstSync } from "./resend.js";
import { rewriteForNewReaders } from "./rewrite.js";
import { checkHead, publishHead } from "./officeHead.js";
import { refreshAgentSnapshots, seal } from "./seal.js";
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
  try {
    return await syncSteps(new SyncRun(node, transport, options));
  } finally {
    release();
  }
}

async function syncSteps(run: SyncRun): Promise<SyncReport> {
  const { node, transport } = run;
  const commandsBefore = transport.stats().commands;
  const conflictsBefore = node.read.listConflicts().length;
  const inbound = inboundStreams(node.id, run.agents);
  for (const stream of inbound) await run.list(streamFolder(stream));
  if (node.role === "agent") {
    checkPublished(run);
    await continueEarlierPc(run);
  }
  seal(run);
  await resendRequested(run);
  if (node.role === "sede") await restoreForFirstSync(run);
  await rewriteForNewReaders(run, inbound);
  await publish(run);
  for (const stream of inbound) await receive(run, stream);
  // What retiring agents had parked is received now; from here on nothing they sign is accepted.
  if (node.role === "sede") node.keyring.finishRetirements();
  if (node.role === "sede" && refreshAgentSnapshots(run)) await publish(run);
  await acknowledge(run, inbound);
  await prune(run);
  if (node.role === "sede") await publishHead(run);
  else await checkHead(run);
  run.report.conflicts = node.read.listConflicts().length - conflictsBefore;
  run.report.commands = transport.stats().commands - commandsBefore;
  return run.report;
}
