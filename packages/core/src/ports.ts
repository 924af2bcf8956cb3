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
}

/**
 * Gives an account its own bucket, CDN distribution and signing key pair.
 * Both methods are idempotent by account id: calling them again never creates a second resource.
 */
export interface AccountInfrastructure {
  provision(accountId: string): Promise<AccountResources>;
  deprovision(accountId: string): Promise<void>;
}
