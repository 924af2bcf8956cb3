import { AccountId } from "@visionstream/core/ids";
import { z } from "zod";

/**
 * The resource names are `${prefix}-${accountId}`; an account id is 20 characters, and the tightest limits are
 * the bucket name (63, lowercase letters, digits and hyphens) and the origin access control name (64).
 */
const ResourcePrefix = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and hyphens, starting with a letter or digit")
  .max(63 - "-acc-0123456789abcdef".length);

export class InvalidAccountId extends Error {
  override name = "InvalidAccountId";
  constructor(readonly accountId: string) {
    super(`${JSON.stringify(accountId)} is not an account id (acc- and 16 lowercase letters or digits)`);
  }
}

export class InvalidResourcePrefix extends Error {
  override name = "InvalidResourcePrefix";
  constructor(
    readonly prefix: string,
    reason: string,
  ) {
    super(`resource prefix ${JSON.stringify(prefix)} is not usable: ${reason}`);
  }
}

/** AWS said the resource already exists, yet it cannot be found, or AWS answered without the resource's id. */
export class AccountResourceMissing extends Error {
  override name = "AccountResourceMissing";
  constructor(
    readonly resource: string,
    readonly resourceName: string,
  ) {
    super(`${resource} ${resourceName} could not be found`);
  }
}

export interface AccountResourceNames {
  bucketName: string;
  secretName: string;
  /** Name of the CloudFront public key and key group (and of the origin access control each account had before the stage shared one). */
  cloudFrontName: string;
  distributionComment: string;
}

export function accountResourceNames(prefix: string, accountId: string): AccountResourceNames {
  return {
    bucketName: `${prefix}-${accountId}`,
    secretName: `${prefix}/accounts/${accountId}/cdn-signing-key`,
    cloudFrontName: `${prefix}-${accountId}`,
    distributionComment: `visionstream ${prefix} account ${accountId}`,
  };
}

export function parseResourcePrefix(prefix: string): string {
  const parsed = ResourcePrefix.safeParse(prefix);
  if (!parsed.success) throw new InvalidResourcePrefix(prefix, parsed.error.issues[0]?.message ?? "");
  return prefix;
}

export function parseAccountId(accountId: string): string {
  if (!AccountId.safeParse(accountId).success) throw new InvalidAccountId(accountId);
  return accountId;
}
