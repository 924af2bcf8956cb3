import type { VisionStreamEntry } from "@visionstream/events";

/** Puts our events on the bus (EventBridge in AWS, the in-process bus locally). */
export interface EventPublisher {
  publish(...entries: VisionStreamEntry[]): Promise<void>;
}

/** What an account's storage and delivery consist of once provisioned. */
export interface AccountResources {
  bucketName: string;
  distributionId: string;
  cdnBaseUrl: string;
  /** The CloudFront public key id (the Key-Pair-Id of signed URLs). */
  publicKeyId: string;
  /** The distribution's ARN (AWS only): MediaPackage's origin endpoint policy lets only this distribution read. */
  distributionArn?: string;
}

/** Where a step of long work stands: finished, or waiting for the service (it is run again later, by an event or the sweeper). */
export type StepResult = "done" | "pending";

/**
 * Gives an account its own bucket, CDN distribution and signing key pair.
 * Both methods are idempotent by account id: calling them again never creates a second resource.
 */
export interface AccountInfrastructure {
  provision(accountId: string): Promise<AccountResources>;
  /**
   * Releases everything provisioning made except the bucket (recordings are kept), one step at a time: "pending" while
   * a resource is still going away (a distribution being disabled), to be called again later.
   */
  deprovision(accountId: string): Promise<StepResult>;
}
