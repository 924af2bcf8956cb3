import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { EventPublisher } from "@visionstream/core/ports";
import type { VisionStreamEntry } from "@visionstream/events";

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;

export class EventPublishFailed extends Error {
  override name = "EventPublishFailed";
  constructor(
    readonly failedCount: number,
    readonly errorCodes: string[],
  ) {
    super(`EventBridge rejected ${failedCount} event(s) twice: ${errorCodes.join(", ")}`);
  }
}

type FailedEntry = { entry: PutEventsRequestEntry; errorCode: string };

export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;

  constructor({ client, busName }: { client: EventBridgeClient; busName: string }) {
    this.client = client;
    this.busName = busName;
  }

  async publish(...entries: VisionStreamEntry[]): Promise<void> {
    const firstFailures = await this.put(entries.map((entry) => this.toPutEventsEntry(entry)));
    if (firstFailures.length === 0) return;
    const lastFailures = await this.put(firstFailures.map((failure) => failure.entry));
    if (lastFailures.length === 0) return;
    const codes = [...new Set(lastFailures.map((failure) => failure.errorCode))];
    throw new EventPublishFailed(lastFailures.length, codes);
  }

  private toPutEventsEntry(entry: VisionStreamEntry): PutEventsRequestEntry {
    return {
      EventBusName: this.busName,
      Source: entry.source,
      DetailType: entry["detail-type"],
      Detail: JSON.stringify(entry.detail),
    };
  }

  /** Sends the entries in batches and returns those EventBridge did not accept. */
  private async put(entries: PutEventsRequestEntry[]): Promise<FailedEntry[]> {
    const failures: FailedEntry[] = [];
    for (let start = 0; start < entries.length; start += MAX_ENTRIES_PER_CALL) {
      const batch = entries.slice(start, start + MAX_ENTRIES_PER_CALL);
      const answer = await this.client.send(new PutEventsCommand({ Entries: batch }));
      if (!answer.FailedEntryCount) continue;
      // The result entries are in the order of the request entries; a failed one has no EventId.
      batch.forEach((entry, index) => {
        const result = answer.Entries?.[index];
        if (!result?.EventId) failures.push({ entry, errorCode: result?.ErrorCode ?? "Unknown" });
      });
    }
    return failures;
  }
}
