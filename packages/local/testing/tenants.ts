import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { documentClient, dynamoClient, DynamoRecordingRepository } from "@visionstream/aws";
import { type Architecture, recordingIdOf, vodKey } from "@visionstream/core";
import { LOCAL_REGION } from "../src/eventbridge/bus.ts";
import { TABLES } from "../src/runtime.ts";
import { accountSecret, writeSecret } from "../src/secrets/secrets.ts";
import { localArchitecture } from "./mediaconnect.ts";
import { eventually, type startTestRuntime, TEST_ADMIN_TOKEN } from "./runtime.ts";

export type TestRuntime = Awaited<ReturnType<typeof startTestRuntime>>;

export interface Tenant {
  accountId: string;
  apiKey: string;
  cdnBaseUrl: string;
  bucketName: string;
  channelId: string;
  /** A READY recording of the channel, its MP4 in the bucket (stored directly: a live run would cost seconds). */
  recordingId: string;
  mediaId: string;
  switcherId: string;
  architecture: Architecture;
}

export const PASSPHRASE_LENGTH = 24;

/** A READY recording of `channelId`, with a small MP4 at vod/<recordingId>.mp4 of the account's bucket. */
export async function storeRecording(runtime: TestRuntime, accountId: string, bucketName: string, channelId: string): Promise<string> {
  const sessionId = `session-${channelId}`;
  const id = recordingIdOf(channelId, sessionId);
  const time = new Date().toISOString();
  const client = dynamoClient({ region: LOCAL_REGION, endpoint: runtime.dynamoEndpoint });
  try {
    await new DynamoRecordingRepository(documentClient(client), TABLES.table).ensure({
      id, accountId, channelId, sessionId, status: "READY", rendition: "720p", createdAt: time, updatedAt: time, gaps: [], attempts: 1, durationMs: 1_000, sizeBytes: 2048, mp4Key: vodKey(id),
    });
  } finally {
    client.destroy();
  }
  const file = join(runtime.layout.bucketDir(bucketName), vodKey(id));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, new Uint8Array(2048).fill(3));
  return id;
}

/**
 * An ACTIVE account with a channel, a READY recording, a media item (its file uploaded) and a switcher. The switcher's ingests and outputs
 * are on `ingestPorts` and `outputPorts` (or `outputs`); its passphrases are stored under switcher/<accountId>/stage-<n>.
 */
export async function provisionTenant(
  runtime: TestRuntime,
  name: string,
  { ingestPorts, outputPorts, passphrases, outputs }: { ingestPorts: number[]; outputPorts: [number, number]; passphrases: string[]; outputs?: Architecture["outputs"] },
): Promise<Tenant> {
  const created = await runtime.api("POST", "/accounts", { token: TEST_ADMIN_TOKEN, json: { name } });
  if (created.status !== 201) throw new Error(`account ${name}: ${JSON.stringify(created.body)}`);
  const accountId: string = created.body.account.id;
  const apiKey: string = created.body.apiKey;
  const account = await eventually(async () => {
    const current = await runtime.accounts.get(accountId);
    return current.status === "ACTIVE" ? current : undefined;
  });
  const call = async (method: string, path: string, json: unknown) => {
    const answer = await runtime.api(method, path, { token: apiKey, json });
    if (answer.status !== 201) throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const channel = await call("POST", "/channels", { name: `${name} channel`, inputType: "RTMP_PUSH", redundancy: "SINGLE", allowCidrs: ["127.0.0.1/32"] });
  const { media, upload } = await call("POST", "/media", { name: "clip.mp4", contentType: "video/mp4" });
  const uploaded = await fetch(upload.url, { method: "PUT", headers: upload.headers, body: new Uint8Array(4096).fill(7) });
  if (uploaded.status !== 200) throw new Error(`upload: ${uploaded.status}`);
  await eventually(async () => ((await runtime.media.get(accountId, media.id)).status === "READY" ? true : undefined));
  const secretPrefix = `switcher/${accountId}`;
  const architecture = localArchitecture(ingestPorts, outputPorts, `${name} switcher`);
  if (outputs) architecture.outputs = outputs;
  architecture.ingests = architecture.ingests.map((ingest, index) => ({ ...ingest, passphraseSecret: `${secretPrefix}/stage-${index}` }));
  for (const [index, passphrase] of passphrases.entries()) await writeSecret(runtime.dataDir, accountSecret(accountId, `${secretPrefix}/stage-${index}`), passphrase);
  const { switcher } = await call("POST", "/switchers", architecture);
  await runtime.bus.idle();
  const recordingId = await storeRecording(runtime, accountId, account.bucketName!, channel.channel.id);
  return { accountId, apiKey, cdnBaseUrl: account.cdnBaseUrl!, bucketName: account.bucketName!, channelId: channel.channel.id, recordingId, mediaId: media.id, switcherId: switcher.id, architecture };
}
