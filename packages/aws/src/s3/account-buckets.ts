import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  type BucketLocationConstraint,
} from "@aws-sdk/client-s3";

/** The private bucket of each account: encrypted, announcing its objects on EventBridge, read only by its distribution. */
export class AccountBuckets {
  constructor(
    private readonly s3: S3Client,
    private readonly region: string,
  ) {}

  async ensure(bucketName: string): Promise<void> {
    const Bucket = bucketName;
    try {
      await this.s3.send(
        new CreateBucketCommand({
          Bucket,
          ...(this.region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint } }),
        }),
      );
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    }
    await this.s3.send(
      new PutPublicAccessBlockCommand({
        Bucket,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await this.s3.send(
      new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }],
        },
      }),
    );
    await this.s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket,
        NotificationConfiguration: { EventBridgeConfiguration: {} },
      }),
    );
    await this.s3.send(
      new PutBucketCorsCommand({
        Bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedMethods: ["GET", "HEAD", "PUT"],
              AllowedOrigins: ["*"],
              AllowedHeaders: ["Range", "Content-Type"],
              ExposeHeaders: ["Content-Length", "Content-Range", "Accept-Ranges", "ETag"],
              MaxAgeSeconds: 3600,
            },
          ],
        },
      }),
    );
  }

  async allowDistributionToRead(bucketName: string, distributionArn: string): Promise<void> {
    await this.s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucketName,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "AllowCloudFrontDistributionToRead",
              Effect: "Allow",
              Principal: { Service: "cloudfront.amazonaws.com" },
              Action: "s3:GetObject",
              Resource: `arn:aws:s3:::${bucketName}/*`,
              Condition: { StringEquals: { "AWS:SourceArn": distributionArn } },
            },
          ],
        }),
      }),
    );
  }
}
