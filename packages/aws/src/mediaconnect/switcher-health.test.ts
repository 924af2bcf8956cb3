import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import {
  BadRequestException,
  DescribeFlowSourceMetadataCommand,
  DescribeFlowSourceThumbnailCommand,
  ListFlowsCommand,
  MediaConnectClient,
  NotFoundException,
  type ListedFlow,
} from "@aws-sdk/client-mediaconnect";
import { busFlowName, flowName } from "@visionstream/core/switcher/switcher";
import { mockClient } from "aws-sdk-client-mock";
import "aws-sdk-client-mock-vitest/extend";
import { afterEach, describe, expect, it } from "vitest";
import { AwsSwitcherEngine, type AwsSwitcherEngineOptions } from "./switcher-engine.ts";
import { command, festival, metadata, mockMediaConnect } from "./testing.ts";

const mediaconnect = mockMediaConnect();
const cloudwatch = mockClient(CloudWatchClient);

const switcherId = "sw-0123456789abcdef";
const architecture = festival();

const ingestRegion: Record<string, string> = { "stage-a": "eu-west-1", "stage-b": "us-east-1", "stage-c": "eu-west-1" };
const arn = (region: string, name: string) => `arn:aws:mediaconnect:${region}:111122223333:flow:1-abc:${name}`;
const ingestArn = (ingestId: string) => arn(ingestRegion[ingestId]!, flowName(switcherId, ingestId));
const busArn = (bus: "live" | "preview") => arn("eu-west-1", busFlowName(switcherId, bus));

function flows(status: (name: string) => ListedFlow["Status"] = () => "ACTIVE") {
  const names = [...Object.keys(ingestRegion).map((ingestId) => [flowName(switcherId, ingestId), ingestArn(ingestId)]), ...(["live", "preview"] as const).map((bus) => [busFlowName(switcherId, bus), busArn(bus)])];
  mediaconnect.on(command(ListFlowsCommand)).resolves({
    Flows: names.map(([name, flowArn]) => ({ Name: name, FlowArn: flowArn, Status: status(name!), AvailabilityZone: "eu-west-1a", Description: "", SourceType: "OWNED" })),
    ...metadata,
  });
}

/** A source with a video stream (connected), or with MediaConnect's "no data" message. */
function sources(connected: string[]) {
  for (const ingestId of Object.keys(ingestRegion)) {
    mediaconnect.on(command(DescribeFlowSourceMetadataCommand), { FlowArn: ingestArn(ingestId) }).resolves({
      FlowArn: ingestArn(ingestId),
      ...(connected.includes(ingestId)
        ? { TransportMediaInfo: { Programs: [{ PcrPid: 256, ProgramNumber: 1, ProgramPid: 4096, Streams: [{ Pid: 256, StreamType: "H.264", Codec: "h264" }] }] } }
        : { Messages: [{ Code: "NO_DATA", Message: "No data has been received" }] }),
      ...metadata,
    });
  }
}

const bitrateQuery = (id: string, ingestId: string) => ({
  Id: id,
  MetricStat: {
    Metric: { Namespace: "AWS/MediaConnect", MetricName: "SourceBitRate", Dimensions: [{ Name: "FlowARN", Value: ingestArn(ingestId) }] },
    Period: 10,
    Stat: "Average",
  },
});

const regionsAsked: string[] = [];
function engine(options: Partial<AwsSwitcherEngineOptions> = {}) {
  return new AwsSwitcherEngine({
    client: (region) => new MediaConnectClient({ region }),
    metrics: (region) => (regionsAsked.push(region), new CloudWatchClient({ region })),
    architectureOf: async (id) => (id === switcherId ? architecture : undefined),
    retry: { attempts: 4, baseMs: 1, maxMs: 4 },
    requestsPerSecond: 1_000,
    random: () => 0.5,
    ...options,
  });
}

afterEach(() => {
  mediaconnect.reset();
  cloudwatch.reset();
  regionsAsked.length = 0;
});

describe("health in AWS", () => {
  it("gives each connected ingest the newest 10-second SourceBitRate of its flow, one GetMetricData per region", async () => {
    flows();
    sources(["stage-a", "stage-b"]);
    cloudwatch.on(GetMetricDataCommand, { MetricDataQueries: [bitrateQuery("flow0", "stage-a")] }).resolves({
      MetricDataResults: [{ Id: "flow0", Label: "SourceBitRate", StatusCode: "Complete", Timestamps: [new Date(), new Date()], Values: [5_432_100, 5_000_000] }],
    });
    cloudwatch.on(GetMetricDataCommand, { MetricDataQueries: [bitrateQuery("flow0", "stage-b")] }).resolves({
      MetricDataResults: [{ Id: "flow0", Label: "SourceBitRate", StatusCode: "Complete", Timestamps: [], Values: [] }],
    });
    const before = Date.now();

    const health = await engine().health(switcherId);

    expect(health).toEqual([
      { ingestId: "stage-a", connected: true, bitrateKbps: 5_432, lastKeyframeAgeMs: null, keyframesTimed: false },
      { ingestId: "stage-b", connected: true, bitrateKbps: 0, lastKeyframeAgeMs: null, keyframesTimed: false },
      { ingestId: "stage-c", connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null, keyframesTimed: false },
    ]);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
    for (const ingestId of ["stage-a", "stage-b"]) {
      expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
        MetricDataQueries: [bitrateQuery("flow0", ingestId)],
        StartTime: expect.any(Date),
        EndTime: expect.any(Date),
        ScanBy: "TimestampDescending",
      });
    }
    expect(regionsAsked.sort()).toEqual(["eu-west-1", "us-east-1"]);
    const { StartTime, EndTime } = cloudwatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(EndTime!.getTime()).toBeGreaterThanOrEqual(before);
    expect(EndTime!.getTime() - StartTime!.getTime()).toBe(120_000);
  });

  it("asks one GetMetricData for all the connected ingests of a region, and maps each answer back to its flow", async () => {
    flows();
    sources(["stage-a", "stage-c"]);
    cloudwatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "flow1", StatusCode: "Complete", Timestamps: [new Date()], Values: [2_000_000] },
        { Id: "flow0", StatusCode: "Complete", Timestamps: [new Date()], Values: [8_000_400] },
      ],
    });

    const health = await engine().health(switcherId);

    expect(health.map(({ ingestId, bitrateKbps }) => [ingestId, bitrateKbps])).toEqual([
      ["stage-a", 8_000],
      ["stage-b", 0],
      ["stage-c", 2_000],
    ]);
    expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
    expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, { MetricDataQueries: [bitrateQuery("flow0", "stage-a"), bitrateQuery("flow1", "stage-c")] });
  });

  it("asks CloudWatch nothing without a CloudWatch client, nor while no ingest is connected", async () => {
    flows((name) => (name === flowName(switcherId, "stage-a") ? "ACTIVE" : "STANDBY"));
    sources(["stage-a"]);

    const withoutMetrics = await engine({ metrics: undefined }).health(switcherId);
    sources([]);
    const noneConnected = await engine().health(switcherId);

    expect(withoutMetrics.map((ingest) => [ingest.connected, ingest.bitrateKbps])).toEqual([[true, 0], [false, 0], [false, 0]]);
    expect(noneConnected.map((ingest) => ingest.connected)).toEqual([false, false, false]);
    expect(cloudwatch).not.toHaveReceivedCommand(GetMetricDataCommand);
    expect(mediaconnect).not.toHaveReceivedCommandWith(command(DescribeFlowSourceMetadataCommand), { FlowArn: ingestArn("stage-b") });
  });
});

describe("bus thumbnails", () => {
  const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0xff, 0xd9]);

  it("are the bus flow's source thumbnail, decoded, with when MediaConnect took it", async () => {
    flows();
    const taken = new Date("2026-03-01T12:00:01.000Z");
    mediaconnect.on(command(DescribeFlowSourceThumbnailCommand)).resolves({
      ThumbnailDetails: { FlowArn: busArn("preview"), Thumbnail: jpeg.toString("base64"), ThumbnailMessages: [], Timestamp: taken, Timecode: "12:00:01:00" },
      ...metadata,
    });

    const thumbnail = await engine().thumbnail(switcherId, "preview");

    expect(thumbnail).toEqual({ jpeg: new Uint8Array(jpeg), at: taken.toISOString() });
    expect(mediaconnect).toHaveReceivedCommandTimes(command(DescribeFlowSourceThumbnailCommand), 1);
    expect(mediaconnect).toHaveReceivedCommandWith(command(DescribeFlowSourceThumbnailCommand), { FlowArn: busArn("preview") });
  });

  it("are reused for a moment: every fetch spends one of MediaConnect's 5 requests a second", async () => {
    flows();
    mediaconnect.on(command(DescribeFlowSourceThumbnailCommand)).resolves({ ThumbnailDetails: { FlowArn: busArn("live"), Thumbnail: jpeg.toString("base64"), ThumbnailMessages: [] }, ...metadata });
    const switcher = engine({ thumbnailTtlMs: 60_000 });

    await switcher.thumbnail(switcherId, "live");
    await switcher.thumbnail(switcherId, "live");
    await switcher.thumbnail(switcherId, "preview");

    expect(mediaconnect).toHaveReceivedCommandTimes(command(DescribeFlowSourceThumbnailCommand), 2);
  });

  it("are missing, not failing, while MediaConnect has none (only messages), thumbnails are off, or the flow was replaced", async () => {
    flows();
    mediaconnect.on(command(DescribeFlowSourceThumbnailCommand), { FlowArn: busArn("live") }).resolves({
      ThumbnailDetails: { FlowArn: busArn("live"), ThumbnailMessages: [{ Code: "NO_THUMBNAIL", Message: "Thumbnail not available" }] },
      ...metadata,
    });
    mediaconnect
      .on(command(DescribeFlowSourceThumbnailCommand), { FlowArn: busArn("preview") })
      .rejectsOnce(new BadRequestException({ message: "Thumbnails are not enabled", Message: "Thumbnails are not enabled", $metadata: {} }))
      .rejects(new NotFoundException({ message: "flow not found", Message: "flow not found", $metadata: {} }));
    const switcher = engine({ thumbnailTtlMs: 0 });

    expect(await switcher.thumbnail(switcherId, "live")).toBeUndefined();
    expect(await switcher.thumbnail(switcherId, "preview")).toBeUndefined();
    const listsBefore = mediaconnect.commandCalls(command(ListFlowsCommand)).length;
    expect(await switcher.thumbnail(switcherId, "preview")).toBeUndefined();
    await switcher.thumbnail(switcherId, "live");

    expect(mediaconnect.commandCalls(command(ListFlowsCommand)).length).toBeGreaterThan(listsBefore);
  });
});
