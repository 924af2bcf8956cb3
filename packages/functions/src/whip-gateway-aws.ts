import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoAccountRepository, DynamoChannelRepository, documentClient, dynamoClient } from "@visionstream/aws";
import { readBroadcastSecret } from "@visionstream/aws/secrets/broadcast-secret";
import { Broadcasts } from "@visionstream/core";
import type { WhipServer } from "@visionstream/whip";
import { z } from "zod";
import { readWhipGatewayConfig, type WhipGatewayConfig } from "./config.ts";
import { startWhipGateway } from "./whip-gateway.ts";

export class PublicAddressUnknown extends Error {
  override name = "PublicAddressUnknown";
}

const LOOKUP_TIMEOUT_MS = 5_000;

/**
 * The task's public IPv4 address, as the internet sees its traffic: a Fargate task's public address is its network
 * interface's, which neither the task metadata endpoint nor the container's interfaces show. Some answers list proxies
 * first, comma-separated: the last entry is the caller's.
 */
export async function lookUpPublicAddress(url: string, fetchUrl: typeof fetch = fetch): Promise<string> {
  let answer: Response;
  try {
    answer = await fetchUrl(url, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  } catch (error) {
    throw new PublicAddressUnknown(`asking ${url} for the task's public address failed: ${(error as Error).message}`);
  }
  const text = (await answer.text()).trim();
  const address = z.ipv4().safeParse(text.split(",").at(-1)?.trim());
  if (!answer.ok || !address.success) throw new PublicAddressUnknown(`${url} answered ${answer.status} without an IPv4 address: ${JSON.stringify(text.slice(0, 80))}`);
  return address.data;
}

/** What the container talks to; tests give their own (dynalite, a mocked Secrets Manager, a fake address service). */
export interface AwsGatewayClients {
  dynamo?: DynamoDBClient;
  secrets?: SecretsManagerClient;
  fetch?: typeof fetch;
}

export interface AwsWhipGateway {
  config: WhipGatewayConfig;
  publicAddress: string;
  server: WhipServer;
}

/**
 * The WHIP gateway as its container runs it (stacks/whip-gateway.ts): configuration read once (a missing value fails
 * here, by name), the broadcast token key read once (a task that cannot read it fails at start, and the deployment rolls
 * back, instead of refusing every broadcaster), channels and accounts from the table, and the task's public address
 * advertised as an ICE candidate on the UDP ports its security group opens.
 */
export async function startWhipGatewayInAws(env: NodeJS.ProcessEnv = process.env, clients: AwsGatewayClients = {}): Promise<AwsWhipGateway> {
  const config = readWhipGatewayConfig(env);
  const region = config.AWS_REGION;
  const table = documentClient(clients.dynamo ?? dynamoClient({ region }));
  const [key, publicAddress] = await Promise.all([
    readBroadcastSecret(clients.secrets ?? new SecretsManagerClient({ region }), config.VISIONSTREAM_BROADCAST_SECRET_ARN),
    config.VISIONSTREAM_WHIP_PUBLIC_ADDRESS ?? lookUpPublicAddress(config.VISIONSTREAM_WHIP_ADDRESS_LOOKUP_URL, clients.fetch),
  ]);
  const broadcasts = Broadcasts({
    channels: new DynamoChannelRepository(table, config.VISIONSTREAM_TABLE),
    accounts: new DynamoAccountRepository(table, config.VISIONSTREAM_TABLE),
    secret: async () => key,
  });
  const server = await startWhipGateway({
    broadcasts,
    host: "0.0.0.0",
    port: config.VISIONSTREAM_WHIP_PORT,
    ice: { icePortRange: config.VISIONSTREAM_WHIP_ICE_PORTS, iceAdditionalHostAddresses: [publicAddress] },
    forwardedHops: config.VISIONSTREAM_WHIP_FORWARDED_HOPS,
  });
  return { config, publicAddress, server };
}
