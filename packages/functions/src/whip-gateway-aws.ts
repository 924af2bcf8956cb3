import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MediaLiveClient } from "@aws-sdk/client-medialive";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DynamoAccountRepository, DynamoChannelRepository, documentClient, dynamoClient } from "@visionstream/aws";
import { InputAllowList } from "@visionstream/aws/medialive/input-allow-list";
import { readBroadcastSecret } from "@visionstream/aws/secrets/broadcast-secret";
import { Broadcasts, type Channel } from "@visionstream/core";
import type { WhipServer } from "@visionstream/whip";
import * as z from "zod";
import { readWhipGatewayConfig, type WhipGatewayConfig } from "./config.ts";
import { logger } from "./logger.ts";
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

/** What the container talks to; tests give their own (dynalite, mocked Secrets Manager and MediaLive, a fake address service). */
export interface AwsGatewayClients {
  dynamo?: DynamoDBClient;
  secrets?: SecretsManagerClient;
  medialive?: MediaLiveClient;
  fetch?: typeof fetch;
  /** How long a publish waits for MediaLive to apply the gateway's address to a channel's input (InputAllowList's default). */
  allowListSettleWithinMs?: number;
}

/**
 * Broadcasts whose publish targets admit the gateway first: MediaLive takes a push only from its input's allow-list, and
 * the gateway, not the browser, is what pushes. The broadcaster's own address is checked before, against the channel's.
 */
function admittingGateway(broadcasts: Broadcasts, admit: (channel: Channel) => Promise<void>): Broadcasts {
  return {
    ...broadcasts,
    async publishTarget(token, request) {
      const target = await broadcasts.publishTarget(token, request);
      await admit(target.channel);
      return target;
    },
  };
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
 * advertised as an ICE candidate on the UDP ports its security group opens, and put on each channel's MediaLive input
 * allow-list before the gateway publishes to it.
 */
export async function startWhipGatewayInAws(env: NodeJS.ProcessEnv = process.env, clients: AwsGatewayClients = {}): Promise<AwsWhipGateway> {
  const config = readWhipGatewayConfig(env);
  const region = config.AWS_REGION;
  const table = documentClient(clients.dynamo ?? dynamoClient({ region }));
  const [key, publicAddress] = await Promise.all([
    readBroadcastSecret(clients.secrets ?? new SecretsManagerClient({ region }), config.VISIONSTREAM_BROADCAST_SECRET_ARN),
    config.VISIONSTREAM_WHIP_PUBLIC_ADDRESS ?? lookUpPublicAddress(config.VISIONSTREAM_WHIP_ADDRESS_LOOKUP_URL, clients.fetch),
  ]);
  const allowList = new InputAllowList({
    medialive: clients.medialive ?? new MediaLiveClient({ region }),
    prefix: config.VISIONSTREAM_RESOURCE_PREFIX,
    ...(clients.allowListSettleWithinMs !== undefined ? { settleWithinMs: clients.allowListSettleWithinMs } : {}),
  });
  const broadcasts = admittingGateway(
    Broadcasts({
      channels: new DynamoChannelRepository(table, config.VISIONSTREAM_TABLE),
      accounts: new DynamoAccountRepository(table, config.VISIONSTREAM_TABLE),
      secret: async () => key,
    }),
    async (channel) => {
      const admission = await allowList.admit(channel, publicAddress);
      if (admission.updated) logger.info("gateway address put on the channel's MediaLive input allow-list", { channelId: channel.id, added: admission.added, replaced: admission.replaced });
    },
  );
  const server = await startWhipGateway({
    broadcasts,
    host: "0.0.0.0",
    port: config.VISIONSTREAM_WHIP_PORT,
    ice: { icePortRange: config.VISIONSTREAM_WHIP_ICE_PORTS, iceAdditionalHostAddresses: [publicAddress] },
    forwardedHops: config.VISIONSTREAM_WHIP_FORWARDED_HOPS,
  });
  return { config, publicAddress, server };
}
