import { CloudFrontClient } from "@aws-sdk/client-cloudfront";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { AwsAccountInfrastructure } from "@visionstream/aws/account-infrastructure";
import { documentClient, DynamoAccountRepository, dynamoClient } from "@visionstream/aws";
import { EventBridgePublisher } from "@visionstream/aws/event-publisher";
import { Accounts } from "@visionstream/core";
import { readAwsConfig } from "./config.ts";

/** The domain wired to AWS adapters, once per Lambda container. */
export function awsRuntime() {
  const config = readAwsConfig();
  const region = config.AWS_REGION;
  const repository = new DynamoAccountRepository(documentClient(dynamoClient({ region })), config.VISIONSTREAM_TABLE);
  const publisher = new EventBridgePublisher({ client: new EventBridgeClient({ region }), busName: config.VISIONSTREAM_BUS });
  const infrastructure = new AwsAccountInfrastructure({
    s3: new S3Client({ region }),
    cloudfront: new CloudFrontClient({ region: "us-east-1" }),
    secrets: new SecretsManagerClient({ region }),
    region,
    prefix: config.VISIONSTREAM_RESOURCE_PREFIX,
  });
  return { config, repository, accounts: Accounts({ repository, publisher, infrastructure }) };
}
