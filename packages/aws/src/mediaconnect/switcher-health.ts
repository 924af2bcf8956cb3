import { CloudWatchClient, GetMetricDataCommand, type MetricDataQuery } from "@aws-sdk/client-cloudwatch";
import { BadRequestException, DescribeFlowSourceMetadataCommand, DescribeFlowSourceThumbnailCommand } from "@aws-sdk/client-mediaconnect";
import type { Architecture } from "@visionstream/core/switcher/architecture";
import { flowName, type IngestHealth, type MonitorThumbnail } from "@visionstream/core/switcher/switcher";
import { perRegion } from "../regional-clients.ts";
import type { MediaConnectRequests } from "./requests.ts";
import type { ListedFlows } from "./switcher-flows.ts";

/**
 * The bit rate MediaConnect reports of a flow's source, in bits per second, per flow ARN; high-resolution (1 s
 * datapoints, kept 3 hours): https://docs.aws.amazon.com/mediaconnect/latest/ug/monitor-with-cloudwatch-metrics-source-health.html
 * and https://docs.aws.amazon.com/mediaconnect/latest/ug/monitor-with-cloudwatch-metric-info.html
 */
export const SOURCE_BITRATE = { namespace: "AWS/MediaConnect", metricName: "SourceBitRate", dimension: "FlowARN" } as const;
/** Averaged over 10 s: one second's figure swings with the GOP. */
const BITRATE_PERIOD_S = 10;
/** How far back the newest figure is looked for: CloudWatch shows a datapoint some seconds after MediaConnect sent it. */
const BITRATE_WINDOW_MS = 120_000;

/** One CloudWatch client per region: the ingests' metrics are in their flows' regions. */
export const regionalCloudWatch = () => perRegion((region) => new CloudWatchClient({ region }));

/**
 * Each ingest's health in AWS: connected when its flow is ACTIVE and its source has transport stream programs
 * (DescribeFlowSourceMetadata); the bit rate of a connected one from CloudWatch (SourceBitRate, one GetMetricData per
 * region, skipped without `metrics`). MediaConnect reports no keyframe timing (not in the source metadata, nor a
 * CloudWatch metric, nor in Source Health events), so lastKeyframeAgeMs stays null.
 */
export async function measureIngests(
  requests: MediaConnectRequests,
  metrics: ((region: string) => CloudWatchClient) | undefined,
  { switcherId, architecture, listed, now }: { switcherId: string; architecture: Architecture; listed: ListedFlows; now: Date },
): Promise<IngestHealth[]> {
  const connected = new Map<string, { region: string; arn: string }>();
  for (const ingest of architecture.ingests) {
    const flow = listed.get(flowName(switcherId, ingest.id));
    if (flow?.status !== "ACTIVE") continue;
    const metadata = await requests.send(flow.region, "DescribeFlowSourceMetadata", (client) =>
      client.send(new DescribeFlowSourceMetadataCommand({ FlowArn: flow.arn })),
    );
    if ((metadata.TransportMediaInfo?.Programs ?? []).some((program) => (program.Streams ?? []).length > 0)) connected.set(ingest.id, flow);
  }
  const bitrates = metrics ? await sourceBitrates(metrics, [...connected.values()], now) : new Map<string, number>();
  return architecture.ingests.map((ingest) => {
    const flow = connected.get(ingest.id);
    return { ingestId: ingest.id, connected: flow !== undefined, bitrateKbps: flow ? (bitrates.get(flow.arn) ?? 0) : 0, lastKeyframeAgeMs: null, keyframesTimed: false };
  });
}

/** Flow ARN → the newest 10-second average of SourceBitRate, in kb/s; flows without a recent datapoint are left out. */
async function sourceBitrates(metrics: (region: string) => CloudWatchClient, flows: { region: string; arn: string }[], now: Date): Promise<Map<string, number>> {
  const byRegion = new Map<string, string[]>();
  for (const flow of flows) byRegion.set(flow.region, [...(byRegion.get(flow.region) ?? []), flow.arn]);
  const found = new Map<string, number>();
  for (const [region, arns] of byRegion) {
    // Query ids must start with a lower-case letter; the index maps them back to their flow.
    const queries: MetricDataQuery[] = arns.map((arn, index) => ({
      Id: `flow${index}`,
      MetricStat: {
        Metric: { Namespace: SOURCE_BITRATE.namespace, MetricName: SOURCE_BITRATE.metricName, Dimensions: [{ Name: SOURCE_BITRATE.dimension, Value: arn }] },
        Period: BITRATE_PERIOD_S,
        Stat: "Average",
      },
    }));
    const answer = await metrics(region).send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: new Date(now.getTime() - BITRATE_WINDOW_MS),
        EndTime: now,
        ScanBy: "TimestampDescending",
      }),
    );
    for (const result of answer.MetricDataResults ?? []) {
      const arn = arns[Number(result.Id?.slice("flow".length))];
      const newest = result.Values?.[0];
      if (arn !== undefined && newest !== undefined) found.set(arn, Math.round(newest / 1000));
    }
  }
  return found;
}

/**
 * The bus flow's source thumbnail (a 480×270 JPEG, base64 in the answer), undefined while MediaConnect has none: the
 * flow is not running, its source has no video, or thumbnails are off (ThumbnailMessages says which).
 * https://docs.aws.amazon.com/mediaconnect/latest/api/API_DescribeFlowSourceThumbnail.html
 */
export async function sourceThumbnail(requests: MediaConnectRequests, flow: { region: string; arn: string }, now: Date): Promise<MonitorThumbnail | undefined> {
  try {
    const { ThumbnailDetails: details } = await requests.send(flow.region, "DescribeFlowSourceThumbnail", (client) =>
      client.send(new DescribeFlowSourceThumbnailCommand({ FlowArn: flow.arn })),
    );
    if (!details?.Thumbnail) return undefined;
    return { jpeg: new Uint8Array(Buffer.from(details.Thumbnail, "base64")), at: (details.Timestamp ?? now).toISOString() };
  } catch (error) {
    // Thumbnails off (the flow predates the stack that enables them): no picture, not a failure of the panel.
    if (error instanceof BadRequestException) return undefined;
    throw error;
  }
}
