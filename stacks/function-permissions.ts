import { type Adapter, FunctionAdapters, type FunctionName } from "../packages/functions/src/function-adapters.ts";
import {
  deprovisionPermissions,
  liveEnginePermissions,
  mediaStorePermissions,
  playbackSigningPermissions,
  provisionPermissions,
  recordingStorePermissions,
  switchSchedulePermissions,
  switcherEnginePermissions,
  switcherFilePermissions,
  vodAssemblyPermissions,
} from "./permissions.ts";

type Statement = sst.aws.FunctionPermissionArgs;
type Arn = $util.Input<string>;

/** What the stage's grants name: its resource prefix and the roles its functions pass to AWS services. */
export interface StageGrants {
  prefix: string;
  mediaLiveRoleArn: Arn;
  mediaConvertRoleArn: Arn;
  schedulerRoleArn: Arn;
  /** The role MediaPackage v2 assumes to call the key server (stacks/key-server.ts). */
  spekeRoleArn?: Arn;
}

/**
 * The AWS adapters (packages/aws) a function drives, beyond the tables and the bus every function has. Each has its
 * grants here, and its code in stacks/iam-adapter-sources.ts: a test checks that every command it sends is granted.
 */
export const adapterPermissions = {
  liveEngine: ({ prefix, mediaLiveRoleArn, spekeRoleArn }: StageGrants) => liveEnginePermissions(prefix, mediaLiveRoleArn, spekeRoleArn),
  accountProvisioning: ({ prefix }: StageGrants) => provisionPermissions(prefix),
  accountDeprovisioning: ({ prefix }: StageGrants) => deprovisionPermissions(prefix),
  vodAssembly: ({ mediaConvertRoleArn }: StageGrants) => vodAssemblyPermissions(mediaConvertRoleArn),
  recordingStore: ({ prefix }: StageGrants) => recordingStorePermissions(prefix),
  playbackSigning: ({ prefix }: StageGrants) => playbackSigningPermissions(prefix),
  mediaStore: ({ prefix }: StageGrants) => mediaStorePermissions(prefix),
  switcherEngine: (_: StageGrants) => switcherEnginePermissions(),
  switchSchedule: ({ prefix, schedulerRoleArn }: StageGrants) => switchSchedulePermissions(prefix, schedulerRoleArn),
  switcherFiles: ({ prefix }: StageGrants) => switcherFilePermissions(prefix),
} satisfies Record<Adapter, (stage: StageGrants) => Statement[]>;

export { type Adapter, FunctionAdapters, type FunctionName };

/** A function's grants beyond the tables and the bus. */
export const functionPermissions = (name: FunctionName, stage: StageGrants): Statement[] =>
  FunctionAdapters[name].flatMap((adapter: Adapter) => adapterPermissions[adapter](stage));
