import { z } from "zod";
import type { EventPattern } from "../event-pattern.ts";
import { awsEvent, awsEventPattern } from "./envelope.ts";

/** The stack's status after an operation; only the ones a stack rests in once CloudFormation is done. */
export const CLOUDFORMATION_STACK_DEPLOYED = ["CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"] as const;

/** The status stays a string: CloudFormation lists some twenty codes and adds more (IMPORT_*, …). */
export const CloudFormationStackStatusChange = awsEvent(
  "aws.cloudformation",
  "CloudFormation Stack Status Change",
  z.looseObject({
    "stack-id": z.string().startsWith("arn:"),
    "status-details": z.looseObject({ status: z.string(), "status-reason": z.string().optional() }),
  }),
);
export type CloudFormationStackStatusChange = z.infer<typeof CloudFormationStackStatusChange>;

export const CloudFormationStackStatusChangePattern = awsEventPattern(CloudFormationStackStatusChange);

/** arn:aws:cloudformation:<region>:<account>:stack/<name>[/<uuid>] → <name> */
export function stackNameOf(stackId: string): string | undefined {
  return /^arn:aws[a-z-]*:cloudformation:[^:]*:[^:]*:stack\/([^/]+)(\/.*)?$/.exec(stackId)?.[1];
}

/**
 * Stacks of switchers that CloudFormation finished creating or updating: their flows may be new or replaced.
 * Stacks are named <prefix>-<switcherId>-<region> (stacks/switcher.ts); `prefix` narrows them to one stage.
 */
export const switcherStackDeployedPattern = (prefix = "*") =>
  ({
    ...CloudFormationStackStatusChangePattern,
    detail: {
      "stack-id": [{ wildcard: `arn:aws*:cloudformation:*:*:stack/${prefix}-sw-*` }],
      "status-details": { status: [...CLOUDFORMATION_STACK_DEPLOYED] },
    },
  }) satisfies EventPattern;
