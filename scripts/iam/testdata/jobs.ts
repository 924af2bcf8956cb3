import { CreateJobCommand, type CreateJobRequest, type MediaConvertClient } from "@aws-sdk/client-mediaconvert";
import { S3, waitUntilObjectExists, type S3Client } from "@aws-sdk/client-s3";

const jobRequest = (role: string, recordingId: string): CreateJobRequest => ({ Role: role, Settings: {}, Tags: { recordingId } });

export async function startJob(client: MediaConvertClient, role: string, recordingId: string): Promise<void> {
  await client.send(new CreateJobCommand(jobRequest(role, recordingId)));
}

export async function bucketExists(client: S3): Promise<void> {
  await client.headBucket({ Bucket: "b" });
}

export async function waitForObject(client: S3Client): Promise<void> {
  await waitUntilObjectExists({ client, maxWaitTime: 60 }, { Bucket: "b", Key: "k" });
}
