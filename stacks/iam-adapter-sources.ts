import type { AdapterEntry } from "../scripts/iam/sent-commands.ts";
import type { Adapter } from "./function-permissions.ts";

/** Where the adapters' code lives: the grants are checked against the commands this code sends. */
export const ADAPTERS_ROOT = "packages/aws/src";

/** What every function drives: the table (lib-dynamodb) and the bus, granted by basePermissions. */
export const BASE_ADAPTER_SOURCES: readonly AdapterEntry[] = [
  { file: "dynamodb/table.ts" },
  { file: "dynamodb/update.ts" },
  { file: "dynamodb/account-repository.ts" },
  { file: "dynamodb/channel-repository.ts" },
  { file: "dynamodb/recording-repository.ts" },
  { file: "dynamodb/media-repository.ts" },
  { file: "dynamodb/switcher-repository.ts" },
  { file: "eventbridge/event-publisher.ts", member: "EventBridgePublisher" },
];

const at = (file: string, ...members: string[]): AdapterEntry[] =>
  members.length === 0 ? [{ file }] : members.map((member) => ({ file, member }));

/** The code each adapter (packages/functions/src/function-adapters.ts) runs, as packages/functions wires it (aws-adapters/). */
export const ADAPTER_SOURCES: Record<Adapter, readonly AdapterEntry[]> = {
  liveEngine: at("medialive/live-engine.ts", "AwsLiveEngine"),
  accountProvisioning: at("account-infrastructure.ts", "AwsAccountInfrastructure.provision"),
  accountDeprovisioning: at("account-infrastructure.ts", "AwsAccountInfrastructure.deprovision"),
  vodAssembly: at("mediaconvert/assembler.ts", "AwsVodAssembler"),
  recordingStore: at("s3/object-store.ts", "S3ObjectStore.size", "S3ObjectStore.delete", "S3ObjectStore.deletePrefix"),
  playbackSigning: [...at("account-infrastructure.ts", "loadSigningKey"), ...at("cloudfront/playback-signer.ts", "CloudFrontPlaybackSigner")],
  mediaStore: [...at("s3/media-uploads.ts", "S3UploadSigner"), ...at("s3/object-store.ts", "S3ObjectStore.size", "S3ObjectStore.delete")],
  switcherEngine: at("mediaconnect/switcher-engine.ts", "AwsSwitcherEngine"),
  switchSchedule: at("scheduler/switch-scheduler.ts", "EventBridgeSwitchScheduler"),
  switcherFiles: at("s3/object-store.ts", "S3ObjectStore.put"),
};
