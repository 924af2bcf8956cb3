import { accountResourceNames, parseResourcePrefix } from "../packages/aws/src/account-resources.ts";
import { exampleId } from "../packages/core/src/ids.ts";
import { scheduledSwitchFunctionName, switchScheduleGroupName } from "./permissions.ts";

/** A name AWS gets from the stage's resource prefix (`<app>-<stage>`), and the most characters AWS takes for it. */
export interface PrefixedName {
  resource: string;
  name: (prefix: string) => string;
  max: number;
}

/** The longest region name today (ap-southeast-5, ap-northeast-3...): a switcher's flows stack is named after its region. */
const LONGEST_REGION = "ap-southeast-5";

export const PREFIXED_NAMES: readonly PrefixedName[] = [
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
  { resource: "account bucket", name: (prefix) => accountResourceNames(prefix, exampleId("account")).bucketName, max: 63 },
  // https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (FunctionName: 64 characters without the ARN)
  { resource: "scheduled-switch function", name: scheduledSwitchFunctionName, max: 64 },
  // https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateScheduleGroup.html
  { resource: "switch schedule group", name: switchScheduleGroupName, max: 64 },
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_OriginAccessControlConfig.html
  { resource: "origin access control", name: (prefix) => originAccessControlName(prefix, "mediapackagev2"), max: 64 },
  // https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_DistributionConfig.html (Comment)
  { resource: "distribution comment", name: (prefix) => accountResourceNames(prefix, exampleId("account")).distributionComment, max: 128 },
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
  { resource: "switcher flows stack", name: (prefix) => `${prefix}-${exampleId("switcher")}-${LONGEST_REGION}`, max: 128 },
  // https://docs.aws.amazon.com/mediapackage/latest/apireference/API_CreateChannel.html (ResourceName)
  { resource: "MediaPackage v2 channel group", name: (prefix) => prefix, max: 256 },
  { resource: "MediaPackage v2 channel", name: (prefix) => `${prefix}-${exampleId("channel")}`, max: 256 },
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
  { resource: "signing key secret", name: (prefix) => accountResourceNames(prefix, exampleId("account")).secretName, max: 512 },
];

/** The stage's origin access controls, one per origin type, shared by every account's distribution. */
export const originAccessControlName = (prefix: string, origin: "s3" | "mediapackagev2" | "lambda") => `${prefix}-${origin}`;

export const resourcePrefixOf = (app: string, stage: string) => `${app}-${stage}`;

/** The longest stage name whose every prefixed name fits AWS's limit. */
export function maxStageLength(app: string): number {
  const room = (entry: PrefixedName) => entry.max - entry.name("").length;
  return Math.min(...PREFIXED_NAMES.map(room)) - resourcePrefixOf(app, "").length;
}

export class InvalidStageName extends Error {
  override name = "InvalidStageName";
  constructor(
    readonly stage: string,
    readonly faults: string[],
  ) {
    super(`The stage name ${JSON.stringify(stage)} cannot be deployed:\n${faults.map((fault) => `  - ${fault}`).join("\n")}`);
  }
}

/**
 * The resource prefix of a stage that AWS can name everything after; otherwise every fault at once. Without this check
 * such a stage deploys, and then every function fails its configuration check at cold start.
 */
export function checkStageName(stage: string, app = "visionstream"): string {
  const faults: string[] = [];
  if (!/^[a-z0-9-]+$/.test(stage)) {
    faults.push("lower-case letters, digits and hyphens only: the stage's buckets, functions and channels are named after it");
  }
  // Account buckets are <prefix>-acc-<16 characters>: with -acc- inside (or at the end of) a stage name, another
  // stage's buckets would start with this stage's prefix, and its segment rule and bucket grants would reach them.
  if (/-acc(-|$)/.test(stage)) faults.push('no "-acc-" inside and no "-acc" at the end: that is how account bucket names go on');
  const longest = maxStageLength(app);
  if (stage.length > longest) {
    const prefix = resourcePrefixOf(app, stage);
    const tight = PREFIXED_NAMES.filter((entry) => entry.name(prefix).length > entry.max)
      .map((entry) => `the ${entry.resource} (${entry.name(prefix).length} > ${entry.max})`)
      .join(", ");
    faults.push(`at most ${longest} characters (this one has ${stage.length}): too long for ${tight}`);
  }
  if (faults.length > 0) throw new InvalidStageName(stage, faults);
  // The functions check the prefix again at cold start, with this very rule.
  return parseResourcePrefix(resourcePrefixOf(app, stage));
}
