/**
 * Each AWS SDK client the adapters use: its model in python3-botocore (none for a service newer than late 2022)
 * and its npm package, whose declarations judge what the model predates.
 */
export const CLIENTS: Record<string, { botocore?: string; sdk: string }> = {
  MediaLiveClient: { botocore: "medialive", sdk: "@aws-sdk/client-medialive" },
  MediaPackageClient: { botocore: "mediapackage", sdk: "@aws-sdk/client-mediapackage" },
  MediaPackageV2Client: { sdk: "@aws-sdk/client-mediapackagev2" },
  MediaConvertClient: { botocore: "mediaconvert", sdk: "@aws-sdk/client-mediaconvert" },
  MediaConnectClient: { botocore: "mediaconnect", sdk: "@aws-sdk/client-mediaconnect" },
  CloudFrontClient: { botocore: "cloudfront", sdk: "@aws-sdk/client-cloudfront" },
  S3Client: { botocore: "s3", sdk: "@aws-sdk/client-s3" },
  SecretsManagerClient: { botocore: "secretsmanager", sdk: "@aws-sdk/client-secrets-manager" },
  SchedulerClient: { botocore: "scheduler", sdk: "@aws-sdk/client-scheduler" },
  EventBridgeClient: { botocore: "events", sdk: "@aws-sdk/client-eventbridge" },
  DynamoDBClient: { botocore: "dynamodb", sdk: "@aws-sdk/client-dynamodb" },
  CloudWatchClient: { botocore: "cloudwatch", sdk: "@aws-sdk/client-cloudwatch" },
};

export class UnknownClient extends Error {
  override name = "UnknownClient";
}

/** The client's class name, from the class or an instance given to mockClient. */
export function clientName(client: unknown): string {
  if (typeof client === "function") return client.name;
  if (typeof client === "object" && client !== null) return client.constructor.name;
  return String(client);
}

/** `CreateChannelCommand` → `CreateChannel`. */
export function operationOf(command: unknown): string | undefined {
  const name = typeof command === "object" && command !== null ? command.constructor.name : "";
  return name.endsWith("Command") && name.length > "Command".length ? name.slice(0, -"Command".length) : undefined;
}
