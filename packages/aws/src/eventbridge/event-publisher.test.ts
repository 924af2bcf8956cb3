import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { visionStreamEntry } from "@visionstream/events";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { beforeEach, describe, expect, it } from "vitest";
import { EventBridgePublisher, EventPublishFailed } from "./event-publisher.ts";

const eventBridge = mockClient(EventBridgeClient);
const busName = "visionstream-test-bus";

function publisher() {
  return new EventBridgePublisher({ client: new EventBridgeClient({ region: "eu-west-1" }), busName });
}

function deleted(index: number) {
  return visionStreamEntry("AccountDeleted", { accountId: `acc-${String(index).padStart(16, "0")}` });
}

function putEventsEntry(index: number) {
  return {
    EventBusName: busName,
    Source: "visionstream",
    DetailType: "AccountDeleted",
    Detail: JSON.stringify({ accountId: `acc-${String(index).padStart(16, "0")}` }),
  };
}

beforeEach(() => {
  eventBridge.reset();
});

describe("EventBridgePublisher", () => {
  it("puts an entry on the bus with its detail as JSON", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    const entry = visionStreamEntry("AccountProvisioned", {
      accountId: "acc-0123456789abcdef",
      bucketName: "visionstream-test-acc-0123456789abcdef",
      distributionId: "E2ABCDEF",
      cdnBaseUrl: "https://d111111abcdef8.cloudfront.net",
      publicKeyId: "K2ABCDEF",
    });

    await publisher().publish(entry);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          EventBusName: busName,
          Source: "visionstream",
          DetailType: "AccountProvisioned",
          Detail: JSON.stringify(entry.detail),
        },
      ],
    });
  });

  it("sends at most 10 entries per call", async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, index) => ({ EventId: `e-${index}` })),
    }));
    const entries = Array.from({ length: 23 }, (_, index) => deleted(index));

    await publisher().publish(...entries);

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 1, {
      Entries: Array.from({ length: 10 }, (_, index) => putEventsEntry(index)),
    });
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 2, {
      Entries: Array.from({ length: 10 }, (_, index) => putEventsEntry(10 + index)),
    });
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 3, {
      Entries: Array.from({ length: 3 }, (_, index) => putEventsEntry(20 + index)),
    });
  });

  it("sends nothing when there is nothing to publish", async () => {
    await publisher().publish();

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 0);
  });

  it("retries only the entries EventBridge rejected, once", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: "e-0" }, { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" }, { EventId: "e-2" }],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });

    await publisher().publish(deleted(0), deleted(1), deleted(2));

    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 2, { Entries: [putEventsEntry(1)] });
  });

  it("throws naming the error codes when entries fail again", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" },
          { ErrorCode: "InternalFailure", ErrorMessage: "oops" },
        ],
      })
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" },
          { ErrorCode: "InternalFailure", ErrorMessage: "oops" },
        ],
      });

    const error = await publisher()
      .publish(deleted(0), deleted(1))
      .catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(EventPublishFailed);
    expect(error).toMatchObject({
      failedCount: 2,
      errorCodes: ["ThrottlingException", "InternalFailure"],
      message: "EventBridge rejected 2 event(s) twice: ThrottlingException, InternalFailure",
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
    expect(eventBridge).toHaveReceivedNthCommandWith(PutEventsCommand, 2, {
      Entries: [putEventsEntry(0), putEventsEntry(1)],
    });
  });
});
