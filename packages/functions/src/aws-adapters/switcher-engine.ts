import { MediaConnectClient } from "@aws-sdk/client-mediaconnect";
import { documentClient } from "@visionstream/aws";
import { AwsSwitcherEngine } from "@visionstream/aws/mediaconnect/switcher-engine";
import { regionalCloudWatch } from "@visionstream/aws/mediaconnect/switcher-health";
import { perRegion } from "@visionstream/aws/regional-clients";
import type { AdapterFactory } from "./context.ts";

/** MediaConnect flows in each ingest's region. */
export const switcherEngine: AdapterFactory<"switcherEngine"> = ({ config, dynamo, repositories }) =>
  new AwsSwitcherEngine({
    // One attempt per SDK call: the engine retries throttling itself, within MediaConnect's rate.
    client: perRegion((flowRegion) => new MediaConnectClient({ region: flowRegion, maxAttempts: 1 })),
    architectureOf: async (switcherId) => (await repositories.switchers.findById(switcherId))?.architecture,
    // Every container of every switcher function counts against one MediaConnect rate and one debounce per bus.
    sharedLimits: { client: documentClient(dynamo), tableName: config.VISIONSTREAM_TABLE },
    // The ingests' bit rates, from CloudWatch in each ingest's region.
    metrics: regionalCloudWatch(),
  });
