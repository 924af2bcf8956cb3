import * as z from "zod";

const AwsConfig = z.object({
  VISIONSTREAM_TABLE: z.string().min(1),
  VISIONSTREAM_IDEMPOTENCY_TABLE: z.string().min(1),
  VISIONSTREAM_BUS: z.string().min(1),
  VISIONSTREAM_RESOURCE_PREFIX: z.string().regex(/^[a-z0-9-]{3,40}$/),
  VISIONSTREAM_MEDIALIVE_ROLE_ARN: z.string().startsWith("arn:aws:iam::"),
  VISIONSTREAM_MEDIACONVERT_ROLE_ARN: z.string().startsWith("arn:aws:iam::"),
  VISIONSTREAM_IDLE_STOP_MINUTES: z.coerce.number().int().positive().default(30),
  VISIONSTREAM_SWITCH_SCHEDULE_GROUP: z.string().min(1),
  VISIONSTREAM_SCHEDULED_SWITCH_ARN: z.string().startsWith("arn:aws:lambda:"),
  VISIONSTREAM_SCHEDULER_ROLE_ARN: z.string().startsWith("arn:aws:iam::"),
  VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP: z.string().min(1),
  VISIONSTREAM_MEDIAPACKAGE_EGRESS_DOMAIN: z.string().min(1),
  VISIONSTREAM_S3_OAC_ID: z.string().min(1),
  VISIONSTREAM_MEDIAPACKAGE_OAC_ID: z.string().min(1),
  /** The stage's SPEKE v2 key server (API Gateway, AWS_IAM) and the role MediaPackage assumes to call it. */
  VISIONSTREAM_SPEKE_URL: z.url().startsWith("https://"),
  VISIONSTREAM_SPEKE_ROLE_ARN: z.string().startsWith("arn:aws:iam::"),
  /** The viewer key delivery's function URL host, and the origin access control the distributions read it through. */
  VISIONSTREAM_KEY_DELIVERY_DOMAIN: z.string().min(1),
  VISIONSTREAM_KEY_DELIVERY_OAC_ID: z.string().min(1),
  /** Where the pages (player, switcher panel) are hosted: the static site. */
  VISIONSTREAM_WEB_URL: z.url(),
  AWS_REGION: z.string().min(1),
});
export type AwsConfig = z.infer<typeof AwsConfig>;

const ApiConfig = AwsConfig.extend({
  VISIONSTREAM_ADMIN_TOKEN: z.string().min(16),
  /** The WHIP gateway's HTTPS origin (the deploy's whipUrl): broadcast links name `<it>/whip/channels/<channelId>`. */
  VISIONSTREAM_WHIP_URL: z.url().startsWith("https://"),
});
export type ApiConfig = z.infer<typeof ApiConfig>;

/** The API's functions with broadcast routes (api-routes.ts) also read the broadcast tokens' key (stacks/whip-gateway.ts). */
const BroadcastConfig = AwsConfig.pick({ AWS_REGION: true }).extend({
  VISIONSTREAM_BROADCAST_SECRET_ARN: z.string().startsWith("arn:aws:secretsmanager:"),
});
export type BroadcastConfig = z.infer<typeof BroadcastConfig>;

/** The key server's function reads only these: no table, no bus (keys are derived, key URIs follow the packaging names). */
const KeyServerConfig = AwsConfig.pick({ VISIONSTREAM_RESOURCE_PREFIX: true, VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP: true, AWS_REGION: true }).extend({
  VISIONSTREAM_KEY_SERVER_SECRET_ARN: z.string().startsWith("arn:aws:secretsmanager:"),
});
export type KeyServerConfig = z.infer<typeof KeyServerConfig>;

/** AWS's viewer key delivery: the key server's settings, and the table, to check that a key is asked for a channel of the distribution's account. */
const KeyDeliveryConfig = KeyServerConfig.extend({ VISIONSTREAM_TABLE: z.string().min(1) });
export type KeyDeliveryConfig = z.infer<typeof KeyDeliveryConfig>;

/** The first and last UDP port of a range, "50000-50199". */
const PortRange = z
  .string()
  .regex(/^\d{1,5}-\d{1,5}$/, 'a range of UDP ports such as "50000-50199"')
  .transform((text) => text.split("-").map(Number) as [number, number])
  .refine(([first, last]) => first >= 1024 && first <= last && last <= 65_535, "from 1024 to 65535, the first not above the last");

/**
 * The WHIP gateway's container (AWS): the table (channels and accounts), the broadcast token key, where it listens, the
 * UDP ports its WebRTC sessions take (the security group opens the same range), and how many proxies stand before it.
 */
const WhipGatewayConfig = AwsConfig.pick({ VISIONSTREAM_TABLE: true, VISIONSTREAM_RESOURCE_PREFIX: true, AWS_REGION: true }).extend({
  VISIONSTREAM_BROADCAST_SECRET_ARN: z.string().startsWith("arn:aws:secretsmanager:"),
  /** 0: any free port (tests). */
  VISIONSTREAM_WHIP_PORT: z.coerce.number().int().min(0).max(65_535).default(8082),
  VISIONSTREAM_WHIP_ICE_PORTS: PortRange,
  /** The task's public IPv4 address, when known ahead; otherwise asked of VISIONSTREAM_WHIP_ADDRESS_LOOKUP_URL at start. */
  VISIONSTREAM_WHIP_PUBLIC_ADDRESS: z.ipv4().optional(),
  VISIONSTREAM_WHIP_ADDRESS_LOOKUP_URL: z.url().default("https://checkip.amazonaws.com/"),
  /** CloudFront and the load balancer: the publisher's address is this many entries from the right of X-Forwarded-For. */
  VISIONSTREAM_WHIP_FORWARDED_HOPS: z.coerce.number().int().min(0).max(5).default(0),
});
export type WhipGatewayConfig = z.infer<typeof WhipGatewayConfig>;

export class MissingConfiguration extends Error {
  override name = "MissingConfiguration";
}

/** The Lambda runtime's configuration, read and checked once; a missing value fails at start with its name. */
export function readAwsConfig(env: NodeJS.ProcessEnv = process.env): AwsConfig {
  return read(AwsConfig, env);
}

/** The API function's configuration: the event handlers' plus the operator token. */
export function readApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return read(ApiConfig, env);
}

/** Where the broadcast tokens' key is, for the API's functions that sign or check the tokens. */
export function readBroadcastConfig(env: NodeJS.ProcessEnv = process.env): BroadcastConfig {
  return read(BroadcastConfig, env);
}

/** The viewer key delivery's configuration (AWS). */
export function readKeyDeliveryConfig(env: NodeJS.ProcessEnv = process.env): KeyDeliveryConfig {
  return read(KeyDeliveryConfig, env);
}

/** The SPEKE key server's configuration. */
export function readKeyServerConfig(env: NodeJS.ProcessEnv = process.env): KeyServerConfig {
  return read(KeyServerConfig, env);
}

/** The WHIP gateway's container configuration (AWS). */
export function readWhipGatewayConfig(env: NodeJS.ProcessEnv = process.env): WhipGatewayConfig {
  return read(WhipGatewayConfig, env);
}

function read<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success)
    throw new MissingConfiguration(
      result.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; "),
    );
  return result.data;
}
