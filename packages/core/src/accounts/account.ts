import { z } from "zod";
import { AccountId } from "../ids.ts";

export const AccountStatus = z.enum(["PROVISIONING", "ACTIVE", "FAILED", "DELETING", "DELETED"]);
export type AccountStatus = z.infer<typeof AccountStatus>;

export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
export const AccountName = z.string().trim().min(1).max(100).regex(NO_CONTROL_CHARACTERS, "must not contain control characters");

export const Account = z.object({
  id: AccountId,
  name: AccountName,
  status: AccountStatus,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  provisioningAttempts: z.number().int().nonnegative(),
  cdnBaseUrl: z.url().optional(),
  bucketName: z.string().optional(),
  distributionId: z.string().optional(),
  distributionArn: z.string().optional(),
  publicKeyId: z.string().optional(),
  failureReason: z.string().optional(),
});
export type Account = z.infer<typeof Account>;

export type AccountChanges = Partial<Omit<Account, "id" | "createdAt">>;

export interface AccountPage {
  accounts: Account[];
  cursor?: string;
}

/** Accounts and their API keys (stored as hashes only). */
export interface AccountRepository {
  /** Stores a new account together with its first API key hash. */
  create(account: Account, apiKeyHash: string): Promise<void>;
  get(accountId: string): Promise<Account | undefined>;
  list(options: { limit: number; cursor?: string }): Promise<AccountPage>;
  /**
   * Applies the changes only while the account is in one of `from` (and, given `since`, nobody has written it since
   * the read that saw that updatedAt); returns undefined when it was not.
   */
  transition(accountId: string, from: readonly AccountStatus[], changes: AccountChanges, since?: string): Promise<Account | undefined>;
  /** Replaces every API key of the account by the given one. */
  replaceApiKey(accountId: string, apiKeyHash: string): Promise<void>;
  /** Removes every API key of the account. */
  revokeApiKeys(accountId: string): Promise<void>;
  accountIdForApiKey(apiKeyHash: string): Promise<string | undefined>;
}
