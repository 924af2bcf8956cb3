import { MANAGED_POLICY } from "../packages/aws/src/cloudfront/distribution-config.ts";
import { whipGatewayTaskPolicy } from "./permissions.ts";
import { serviceRole } from "./service-role.ts";
import { resourcePrefixOf } from "./stage-name.ts";
import { table } from "./storage.ts";

/**
 * The WHIP gateway in AWS (MediaLive has no WebRTC input): packages/whip in a container on Fargate, forwarding each
 * browser's H.264 and Opus (as AAC) to its channel's MediaLive RTMP input.
 *
 * Signalling is HTTPS without a domain of our own: CloudFront (https://<id>.cloudfront.net, nothing cached) in front of an
 * application load balancer that only CloudFront may reach (its origin-facing prefix list, AWS's "Restrict access to
 * Application Load Balancers"); the ALB forwards /whip/* to the task. HTTPS on the ALB itself would need a domain and
 * its certificate.
 *
 * Media is WebRTC over UDP straight to the task. The task sits in a public subnet with a public IPv4 address (SST's Vpc
 * puts services there and assigns one), its security group lets ICE_PORTS in from anywhere (ICE's credentials guard
 * them), and it advertises that address as an extra host candidate (learnt at start: Fargate's task metadata knows only
 * the private one). Not a Network Load Balancer's UDP listener: a WebRTC session is a socket of its own, so every
 * session would need a listener and a port, and the NLB's addresses would have to be the candidates.
 *
 * The RTMP pushes to MediaLive leave from that same public address, and a MediaLive input takes pushes only from its
 * input security group's CIDRs: before publishing to a channel the gateway puts its address there, in place of an
 * earlier task's (packages/aws/src/medialive/input-allow-list.ts; its task role may change the stage's groups only).
 */
const prefix = resourcePrefixOf($app.name, $app.stage);

const WHIP_PORT = 8082;
/** The UDP ports of the sessions: werift binds one socket per candidate address (the private and the public one). */
const ICE_PORTS = { first: 50_000, last: 50_199 } as const;
/** CloudFront appends the broadcaster's address to X-Forwarded-For, the ALB then CloudFront's: the broadcaster's is second from the right. */
const FORWARDED_HOPS = 2;
const CLOUDFRONT_ORIGIN_FACING = "com.amazonaws.global.cloudfront.origin-facing";
/** CloudFront's managed origin request policy that forwards every header (Authorization, Content-Type, Origin), cookie and query string. */
const ALL_VIEWER_ORIGIN_REQUESTS = "216adef6-5c7f-47e4-b989-5492eafa07d3";
const ORIGIN_ID = "whip-gateway";

/** The key that signs and checks broadcast tokens (core's channels/broadcasts.ts): the API signs, the gateway checks. */
export const broadcastSecret = new aws.secretsmanager.Secret("BroadcastSecret", {
  namePrefix: `${prefix}/broadcast-`,
  description: `VisionStream ${prefix}: the key of the broadcast tokens (browser broadcast links)`,
});

// 43 letters and digits are 32 bytes of base64url (readBroadcastSecret). Drawn once: ignoreChanges keeps the first,
// since a new key would void every broadcast link handed out.
new aws.secretsmanager.SecretVersion(
  "BroadcastSecretValue",
  {
    secretId: broadcastSecret.id,
    secretString: aws.secretsmanager.getRandomPasswordOutput({ passwordLength: 43, excludePunctuation: true, includeSpace: false }).randomPassword,
  },
  { ignoreChanges: ["secretString"] },
);

/** What the task's security group lets in besides the VPC's own traffic: the sessions' media. */
const iceIngress = {
  protocol: "udp",
  fromPort: ICE_PORTS.first,
  toPort: ICE_PORTS.last,
  cidrBlocks: ["0.0.0.0/0"],
  description: "WebRTC media of WHIP sessions (ICE)",
};

const vpc = new sst.aws.Vpc("WhipVpc", {
  az: 2,
  transform: {
    securityGroup: (args) => {
      args.ingress = $util.output(args.ingress ?? []).apply((rules) => [...rules, iceIngress]);
    },
  },
});

const cluster = new sst.aws.Cluster("WhipCluster", { vpc });

const originFacing = aws.ec2.getManagedPrefixListOutput({ name: CLOUDFRONT_ORIGIN_FACING });

/** Only CloudFront reaches the ALB, so the X-Forwarded-For entry FORWARDED_HOPS from the right is the broadcaster's. */
const albIngress = (prefixListId: $util.Input<string>) => [
  { protocol: "tcp", fromPort: 80, toPort: 80, prefixListIds: [prefixListId], description: "CloudFront's origin-facing servers" },
];

const loadBalancer = new sst.aws.Alb("WhipLoadBalancer", {
  vpc,
  listeners: [{ port: 80, protocol: "http" }],
  transform: {
    securityGroup: (args) => {
      args.ingress = albIngress(originFacing.id);
    },
  },
});

const whipDistribution = new aws.cloudfront.Distribution("WhipDistribution", {
  enabled: true,
  comment: `VisionStream ${prefix}: WHIP gateway`,
  // The channels' allow-lists are IPv4: a broadcaster must reach the gateway over IPv4 for its address to be checked.
  isIpv6Enabled: false,
  origins: [
    {
      originId: ORIGIN_ID,
      domainName: loadBalancer.dnsName,
      customOriginConfig: { httpPort: 80, httpsPort: 443, originProtocolPolicy: "http-only", originSslProtocols: ["TLSv1.2"] },
    },
  ],
  defaultCacheBehavior: {
    targetOriginId: ORIGIN_ID,
    // Not redirect-to-https: a client following the redirect would turn its POST into a GET.
    viewerProtocolPolicy: "https-only",
    allowedMethods: ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"],
    cachedMethods: ["GET", "HEAD"],
    cachePolicyId: MANAGED_POLICY.cachingDisabled,
    originRequestPolicyId: ALL_VIEWER_ORIGIN_REQUESTS,
    compress: false,
  },
  restrictions: { geoRestriction: { restrictionType: "none" } },
  viewerCertificate: { cloudfrontDefaultCertificate: true },
});

/** What broadcasters call: the WHIP endpoints are `${whipUrl}/whip/channels/<channelId>`. */
export const whipUrl = $interpolate`https://${whipDistribution.domainName}`;

const { role: taskRole } = serviceRole("WhipGatewayTaskRole", {
  principal: "ecs-tasks.amazonaws.com",
  description: `VisionStream ${prefix}: the WHIP gateway's tasks`,
  sourceAccount: aws.getCallerIdentityOutput().accountId,
  policy: $util.all([table.arn, broadcastSecret.arn]).apply(([tableArn, secretArn]) => JSON.stringify(whipGatewayTaskPolicy(tableArn, secretArn, prefix))),
});

/**
 * One task: a second publisher to a channel takes over from the first inside one gateway, and two tasks could each hold
 * a publisher of the same channel. One vCPU forwards several 1080p30 broadcasts (video is copied, audio encoded to AAC).
 * A deploy replaces the task: its broadcasts end, and going live again reaches the new one.
 */
new sst.aws.Service("WhipGateway", {
  cluster,
  image: { context: ".", dockerfile: "stacks/whip-gateway.Dockerfile" },
  architecture: "x86_64",
  cpu: "1 vCPU",
  memory: "2 GB",
  scaling: { min: 1, max: 1 },
  taskRole: taskRole.name,
  // What readWhipGatewayConfig (packages/functions/src/config.ts) reads.
  environment: {
    VISIONSTREAM_RESOURCE_PREFIX: prefix,
    VISIONSTREAM_TABLE: table.name,
    VISIONSTREAM_BROADCAST_SECRET_ARN: broadcastSecret.arn,
    VISIONSTREAM_WHIP_PORT: String(WHIP_PORT),
    VISIONSTREAM_WHIP_ICE_PORTS: `${ICE_PORTS.first}-${ICE_PORTS.last}`,
    VISIONSTREAM_WHIP_FORWARDED_HOPS: String(FORWARDED_HOPS),
    AWS_REGION: aws.getRegionOutput().region,
  },
  loadBalancer: {
    instance: loadBalancer,
    rules: [{ listen: "80/http", forward: `${WHIP_PORT}/http`, conditions: { path: "/whip/*" }, priority: 100 }],
    // Any HTTP answer shows the server up (its root is a 404).
    health: { [`${WHIP_PORT}/http`]: { path: "/", successCodes: "200-499", interval: "10 seconds" } },
  },
  logging: { retention: "1 month" },
  // `sst dev` deploys it too: SST would run nothing in its place (on one machine, the local runtime has its own gateway).
  dev: false,
  transform: {
    // Never two tasks at once, also during a deploy (ECS's default starts the new one beside the old): each admits its own
    // address to the channels' MediaLive allow-lists in place of an earlier gateway's, and two would take turns removing
    // each other's. A deploy ends the broadcasts on the old task before the new one starts (it does anyway).
    service: { deploymentMinimumHealthyPercent: 0, deploymentMaximumPercent: 100 },
  },
});
