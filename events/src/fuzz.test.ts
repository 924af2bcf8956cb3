import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as catalogue from "./index.ts";
import { sampleEvent } from "./aws/samples/documented.ts";
import { mediaConnectAlertSample, mediaConnectFlowHealthSample, mediaConnectFlowStatusChangeSample, mediaConnectSourceHealthSample } from "./aws/samples/mediaconnect.ts";
import { mediaConvertDocumentedSamples } from "./aws/samples/mediaconvert.ts";
import { mediaLiveChannelAlertSample, mediaLiveChannelStateChangeSample } from "./aws/samples/medialive.ts";
import { s3ObjectCreatedSample } from "./aws/samples/s3.ts";
import { mutate, mutationsOf } from "./testing/mutation.ts";

const SEED = 20261203;
const RUNS = 200;

const visionstreamSample = (detailType: string, detail: Record<string, unknown>) => ({
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": detailType,
  source: "visionstream",
  account: "111122223333",
  time: "2026-12-03T08:00:00Z",
  region: "eu-west-1",
  resources: [],
  detail,
});
const details: Record<string, Record<string, unknown>> = {
  AccountCreated: { accountId: "acc-0123456789abcdef", name: "festival" },
  AccountProvisioningRetried: { accountId: "acc-0123456789abcdef", attempt: 2 },
  AccountProvisioned: { accountId: "acc-0123456789abcdef", bucketName: "b", distributionId: "d", cdnBaseUrl: "https://cdn.example.com", publicKeyId: "k" },
  AccountProvisioningFailed: { accountId: "acc-0123456789abcdef", reason: "no" },
  AccountDeleted: { accountId: "acc-0123456789abcdef" },
  AccountChannelsReleased: { accountId: "acc-0123456789abcdef" },
  AccountSwitchersReleased: { accountId: "acc-0123456789abcdef" },
  AccountDeprovisioned: { accountId: "acc-0123456789abcdef" },
  StreamSwitched: { accountId: "acc-0123456789abcdef", switcherId: "sw-0123456789abcdef", bus: "live", ingestId: "stage-a", requestedMode: "clean", mode: "clean", reason: "operator", at: "2026-12-03T08:00:00.000Z" },
  RecordingGapDetected: { accountId: "acc-0123456789abcdef", channelId: "ch-0123456789abcdef", sessionId: "s1", reason: "transcoder-behind", from: "2026-12-03T08:00:00.000Z", to: "2026-12-03T08:00:04.500Z", lostMs: 4500 },
};

/** Every documented AWS example and one visionstream event of each detail type, as bases to mutate. */
const samples: unknown[] = [
  ...[mediaConnectAlertSample, mediaConnectFlowHealthSample, mediaConnectFlowStatusChangeSample, mediaConnectSourceHealthSample, ...mediaConvertDocumentedSamples, mediaLiveChannelAlertSample, mediaLiveChannelStateChangeSample, s3ObjectCreatedSample].map(sampleEvent),
  ...Object.entries(details).flatMap(([type, detail]) => [visionstreamSample(type, detail), detail]),
];

const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, 0, -1, 1.5, -0, Number.NaN, Infinity, -Infinity, 1e308, Number.MAX_SAFE_INTEGER + 2, "", "../../etc/passwd", "%2e%2e%2f", "\u0000\u202e", "2026-02-30T25:61:00Z"),
  fc.integer({ min: 100_000, max: 120_000 }).map((size) => "x".repeat(size)),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.bigInt(),
  fc.date({ noInvalidDate: false }),
  fc.anything({ maxDepth: 2 }),
);

const mutatedSample = fc
  .tuple(fc.constantFrom(...samples), mutationsOf(oddValue, 4))
  .map(([sample, mutations]) => mutations.reduce<unknown>(mutate, sample));

const schemas = Object.entries(catalogue as Record<string, unknown>).filter((entry): entry is [string, z.ZodType] => entry[1] instanceof z.ZodType);

describe("every event schema under random and mutated input", () => {
  it("finds the catalogue's schemas", () => {
    expect(schemas.map(([name]) => name)).toEqual(expect.arrayContaining(["StreamSwitchedDetail", "MediaLiveChannelStateChange", "S3ObjectCreated", "AccountProvisioningRequestedEvent"]));
  });

  it.each(schemas)("%s: safeParse answers, never throws, and a failure names its paths", (_name, schema) => {
    fc.assert(
      fc.property(fc.oneof(mutatedSample, fc.anything({ maxDepth: 3, withNullPrototype: true, withMap: true, withBigInt: true })), (input) => {
        const result = schema.safeParse(input);
        if (!result.success) {
          expect(result.error.issues.length).toBeGreaterThan(0);
          for (const issue of result.error.issues) expect(Array.isArray(issue.path)).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
