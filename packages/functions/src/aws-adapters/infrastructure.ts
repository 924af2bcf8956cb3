import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { AwsAccountInfrastructure } from "@visionstream/aws/account-infrastructure";
import type { AdapterFactory } from "./context.ts";
import { s3Client } from "./s3-client.ts";
import { secretsClient } from "./secrets-client.ts";

/** Each account's bucket, distribution and signing key. */
export const accountInfrastructure: AdapterFactory<"infrastructure"> = ({ config }) =>
  new AwsAccountInfrastructure({
    s3: s3Client(config.AWS_REGION),
    cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    secrets: secretsClient(config.AWS_REGION),
    region: config.AWS_REGION,
    prefix: config.VISIONSTREAM_RESOURCE_PREFIX,
    originAccessControls: { s3: config.VISIONSTREAM_S3_OAC_ID, mediaPackage: config.VISIONSTREAM_MEDIAPACKAGE_OAC_ID },
    mediaPackage: { channelGroup: config.VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP, egressDomain: config.VISIONSTREAM_MEDIAPACKAGE_EGRESS_DOMAIN },
    keyDelivery: { domain: config.VISIONSTREAM_KEY_DELIVERY_DOMAIN, originAccessControl: config.VISIONSTREAM_KEY_DELIVERY_OAC_ID },
  });
