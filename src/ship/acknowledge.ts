import { ACK_FORMAT, encodeAck, type AckFile } from "../wire/ackFile.js";
import { ackPath, producerOf, type StreamName } from "../wire/streams.js";
import type { SyncRun } from "./syncRun.js";

/**
 * Writes an ack file (DESIGN §4.5) for each inbound stream that applied something new since
 * the last ack, on up to `run.connections.size` connections at once. The sede's ack of an agent's stream also says what a reinstalled PC with that
 * agent code must continue after (README, "A reinstalled agent PC").
 */
export async function acknowledge(run: SyncRun, inbound: readonly StreamName[]): Promise<void> {
  const { node } = run;
  const due: Array<{ stream: StreamName; ack: AckFile }> = [];
  for (const stream of inbound) {
    const c = run.inbox.cursor(stream);
    if (!c || c.segment < 0 || c.segment <= c.acked) continue;
    const ack: AckFile = {
      format: ACK_FORMAT,
      stream,
      reader: node.id,
      segment: c.segment,
      offset: c.offset,
      sha256: c.sha256,
      at: run.now().toISOString(),
    };
    if (node.role === "sede") {
      const agent = producerOf(stream);
      const head = node.log.head(agent);
      ack.lastSeq = head?.seq ?? 0;
      ack.lastHash = head?.hash ?? "";
      ack.orders = node.read.lastOrderNumbersFrom(agent);
      const top = node.read.lastCustomerCreatedBy(agent);
      if (top !== undefined) ack.lastCustomer = top;
    }
    due.push({ stream, ack });
  }
  // Each ack is its own file: written on several connections at once when there are many.
  await run.connections.each(due, async (transport, { stream, ack }) => {
    run.hook("ack-write", { stream, file: ackPath(stream, node.id) });
    await run.put(ackPath(stream, node.id), encodeAck(ack), transport);
    run.inbox.markAcked(stream, ack.segment);
  });
}
