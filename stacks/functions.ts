import { liveDelivery } from "./delivery.ts";
import { keyDeliveryAccess, keyDeliveryDomain, spekeRoleArn, spekeUrl } from "./key-server.ts";
import type { StageGrants } from "./function-permissions.ts";
import { mediaConvertRole } from "./mediaconvert.ts";
import { mediaLiveRole } from "./medialive.ts";
import { basePermissions } from "./permissions.ts";
import { resourcePrefixOf } from "./stage-name.ts";
import { idempotencyTable, table } from "./storage.ts";
import { switchScheduling } from "./switcher.ts";
import { site } from "./web.ts";
import { LAMBDA_BUNDLE } from "./lambda-bundle.ts";

/** Names in AWS that the stack does not create itself (per-account buckets, secrets, live channels) start with this. */
export const resourcePrefix = resourcePrefixOf($app.name, $app.stage);

export const mediaLiveRoleArn = mediaLiveRole("MediaLiveRole", resourcePrefix).role.arn;

export const mediaConvertRoleArn = mediaConvertRole("MediaConvertRole", resourcePrefix).role.arn;

export const switchSchedule = switchScheduling("SwitchSchedule", resourcePrefix);

export const delivery = liveDelivery("Live", resourcePrefix);

/** What the stage's grants name (see function-permissions.ts). */
export const stageGrants: StageGrants = {
  prefix: resourcePrefix,
  mediaLiveRoleArn,
  mediaConvertRoleArn,
  schedulerRoleArn: switchSchedule.role.arn,
  spekeRoleArn,
};

type FunctionOptions = Omit<sst.aws.FunctionArgs, "handler" | "environment" | "permissions"> & {
  environment?: Record<string, $util.Input<string>>;
  permissions?: sst.aws.FunctionPermissionArgs[];
};

/** The settings every VisionStream function shares: runtime, configuration, access to the tables and the bus. */
export function functionArgs(
  handler: string,
  bus: sst.aws.Bus,
  { environment = {}, permissions = [], ...rest }: FunctionOptions = {},
): sst.aws.FunctionArgs {
  return {
    handler,
    runtime: "nodejs22.x",
    nodejs: LAMBDA_BUNDLE,
    environment: {
      VISIONSTREAM_RUNTIME: "aws",
      VISIONSTREAM_RESOURCE_PREFIX: resourcePrefix,
      VISIONSTREAM_TABLE: table.name,
      VISIONSTREAM_IDEMPOTENCY_TABLE: idempotencyTable.name,
      VISIONSTREAM_BUS: bus.name,
      VISIONSTREAM_MEDIALIVE_ROLE_ARN: mediaLiveRoleArn,
      VISIONSTREAM_MEDIACONVERT_ROLE_ARN: mediaConvertRoleArn,
      VISIONSTREAM_SWITCH_SCHEDULE_GROUP: switchSchedule.group.name,
      VISIONSTREAM_SCHEDULED_SWITCH_ARN: switchSchedule.functionArn,
      VISIONSTREAM_SCHEDULER_ROLE_ARN: switchSchedule.role.arn,
      VISIONSTREAM_MEDIAPACKAGE_CHANNEL_GROUP: delivery.channelGroup.name,
      VISIONSTREAM_MEDIAPACKAGE_EGRESS_DOMAIN: delivery.channelGroup.egressDomain,
      VISIONSTREAM_S3_OAC_ID: delivery.bucketAccess.id,
      VISIONSTREAM_MEDIAPACKAGE_OAC_ID: delivery.packagingAccess.id,
      VISIONSTREAM_SPEKE_URL: spekeUrl,
      VISIONSTREAM_SPEKE_ROLE_ARN: spekeRoleArn,
      VISIONSTREAM_KEY_DELIVERY_DOMAIN: keyDeliveryDomain,
      VISIONSTREAM_KEY_DELIVERY_OAC_ID: keyDeliveryAccess.id,
      VISIONSTREAM_WEB_URL: site.url,
      ...environment,
    },
    permissions: [
      ...basePermissions({ table: table.arn, idempotencyTable: idempotencyTable.arn, bus: bus.arn }),
      ...permissions,
    ],
    ...rest,
  };
}
