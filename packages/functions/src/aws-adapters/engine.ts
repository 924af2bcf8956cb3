import { MediaLiveClient } from "@aws-sdk/client-medialive";
import { MediaPackageV2Client } from "@aws-sdk/client-mediapackagev2";
import { AwsLiveEngine } from "@visionstream/aws/medialive/live-engine";
import type { AdapterFactory } from "./context.ts";
import { secretsClient } from "./secrets-client.ts";

/** MediaLive with MediaPackage v2 (and the SRT passphrases in Secrets Manager). */
export const liveEngine: AdapterFactory<"engine"> = ({ config }) =>
  new AwsLiveEngine({
    medialive: new MediaLiveClient({ region: config.AWS_REGION }),
    mediapackage: new MediaPackageV2Client({ region: config.AWS_REGION }),
    secrets: secretsClient(config.AWS_REGION),
    roleArn: config.VISIONSTREAM_MEDIALIVE_ROLE_ARN,
    prefix: config.VISIONSTREAM_RESOURCE_PREFIX,
    channelGroup: config.VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP,
    keyServer: { url: config.VISIONSTREAM_SPEKE_URL, roleArn: config.VISIONSTREAM_SPEKE_ROLE_ARN },
  });
