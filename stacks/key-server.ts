import { keyDeliveryPermissions, keyServerPermissions, spekeInvokePolicy } from "./permissions.ts";
import { serviceRole } from "./service-role.ts";
import { originAccessControlName, resourcePrefixOf } from "./stage-name.ts";
import { table } from "./storage.ts";
import { LAMBDA_BUNDLE } from "./lambda-bundle.ts";

/**
 * Our own SPEKE v2 key server, for MediaPackage v2's encrypted endpoints, and the viewer key delivery for HLS AES-128.
 * Both derive every content key from one secret of 32 random bytes (packages/core/src/keys/content-keys.ts).
 */
const prefix = resourcePrefixOf($app.name, $app.stage);
/** The stage's MediaPackage v2 channel group is named after the prefix (stacks/delivery.ts). */
const channelGroup = prefix;
const SPEKE_PATH = "copyProtection";

export const keyServerSecret = new aws.secretsmanager.Secret("KeyServerSecret", {
  namePrefix: `${prefix}/key-server-`,
  description: `VisionStream ${prefix}: the key server's secret, from which every content key is derived`,
});

// 43 letters and digits are 43 base64url characters: 32 bytes (readKeyServerSecret). Drawn once: a later deploy draws
// again, and ignoreChanges keeps the first, since changing it would change every key of every channel.
new aws.secretsmanager.SecretVersion(
  "KeyServerSecretValue",
  {
    secretId: keyServerSecret.id,
    secretString: aws.secretsmanager.getRandomPasswordOutput({ passwordLength: 43, excludePunctuation: true, includeSpace: false }).randomPassword,
  },
  { ignoreChanges: ["secretString"] },
);

const keyServerEnvironment = {
  VISIONSTREAM_RESOURCE_PREFIX: prefix,
  VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP: channelGroup,
  VISIONSTREAM_KEY_SERVER_SECRET_ARN: keyServerSecret.arn,
};

/**
 * The REST API MediaPackage calls: AWS_IAM authorisation, as AWS's SPEKE documentation sets it up, regional like
 * MediaPackage (the key server must be in its region).
 */
const keyServerApi = new sst.aws.ApiGatewayV1("KeyServer", { endpoint: { type: "regional" }, cors: false });
keyServerApi.route(
  `POST /${SPEKE_PATH}`,
  {
    handler: "packages/functions/src/key-server.spekeHandler",
    runtime: "nodejs22.x",
    nodejs: LAMBDA_BUNDLE,
    memory: "256 MB",
    timeout: "10 seconds",
    environment: keyServerEnvironment,
    permissions: keyServerPermissions(keyServerSecret.arn),
  },
  { auth: { iam: true } },
);
keyServerApi.deploy();

/** What MediaPackage's endpoints name as SpekeKeyProvider.Url. */
export const spekeUrl = $interpolate`${keyServerApi.url}${SPEKE_PATH}`;

/**
 * The role MediaPackage v2 assumes to call the key server (SpekeKeyProvider.RoleArn): that one method and nothing else,
 * and only for this account's endpoints. No aws:SourceArn: AWS documents none for MediaPackage v2's SPEKE calls, and a
 * condition on a key the service does not send would deny every key request.
 */
export const spekeRoleArn = serviceRole("KeyServerRole", {
  principal: "mediapackagev2.amazonaws.com",
  description: `MediaPackage v2 endpoints of ${prefix} calling the key server`,
  sourceAccount: aws.getCallerIdentityOutput().accountId,
  policy: $jsonStringify(spekeInvokePolicy($interpolate`${keyServerApi.nodes.api.executionArn}/${$app.stage}/POST/${SPEKE_PATH}`)),
}).role.arn;

/**
 * Viewers' HLS AES-128 keys: a function URL with AWS_IAM auth that CloudFront signs for through the stage's lambda origin
 * access control. Every account's distribution routes out/v1/<group>/*\/keys/* to it, after checking the playback grant.
 */
const keyDelivery = new sst.aws.Function("KeyDelivery", {
  handler: "packages/functions/src/key-delivery.keyDeliveryHandler",
  runtime: "nodejs22.x",
  nodejs: LAMBDA_BUNDLE,
  memory: "256 MB",
  timeout: "10 seconds",
  url: { authorization: "iam" },
  environment: { ...keyServerEnvironment, VISIONSTREAM_TABLE: table.name },
  permissions: keyDeliveryPermissions(keyServerSecret.arn, table.arn),
});

// Any distribution of this AWS account: account distributions are made at run time, and each names its account in a
// header the function checks against the channel.
const distributions = $interpolate`arn:aws:cloudfront::${aws.getCallerIdentityOutput().accountId}:distribution/*`;
new aws.lambda.Permission("KeyDeliveryCloudFrontUrl", {
  action: "lambda:InvokeFunctionUrl",
  function: keyDelivery.name,
  principal: "cloudfront.amazonaws.com",
  sourceArn: distributions,
  functionUrlAuthType: "AWS_IAM",
});
new aws.lambda.Permission("KeyDeliveryCloudFrontInvoke", {
  action: "lambda:InvokeFunction",
  function: keyDelivery.name,
  principal: "cloudfront.amazonaws.com",
  sourceArn: distributions,
  invokedViaFunctionUrl: true,
});

export const keyDeliveryAccess = new aws.cloudfront.OriginAccessControl("KeyDeliveryOriginAccessControl", {
  name: originAccessControlName(prefix, "lambda"),
  description: `VisionStream ${prefix}: every account distribution's key delivery origin`,
  originAccessControlOriginType: "lambda",
  signingBehavior: "always",
  signingProtocol: "sigv4",
});

/** The function URL's host, the account distributions' key origin. */
export const keyDeliveryDomain = keyDelivery.url.apply((url) => new URL(url).host);
