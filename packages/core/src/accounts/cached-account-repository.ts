import { RecentReads } from "../recent-reads.ts";
import type { Account, AccountChanges, AccountPage, AccountRepository, AccountStatus } from "./account.ts";

/** How long API instances trust what they read of an account and its keys (see the README's Reliability section). */
export const ACCOUNT_CACHE_TTL_MS = 5_000;

/**
 * The account repository with the lookups every request makes kept for a few seconds: whose key is this, and is
 * that account ACTIVE (with its bucket and CDN). Only settled answers are kept — an ACTIVE account, a key that
 * names an account — never a miss or a state in transition. Writes made through this object are seen at once;
 * writes made elsewhere (another Lambda container, the provisioning handler) within `ttlMs`.
 */
export class CachedAccountRepository implements AccountRepository {
  private readonly accounts: RecentReads<Account>;
  private readonly keys: RecentReads<string>;

  constructor(
    private readonly repository: AccountRepository,
    options: { ttlMs: number; now?: () => number },
  ) {
    this.accounts = new RecentReads(options);
    this.keys = new RecentReads(options);
  }

  get(accountId: string): Promise<Account | undefined> {
    return this.accounts.read(accountId, () => this.repository.get(accountId), (account) => account.status === "ACTIVE");
  }

  accountIdForApiKey(apiKeyHash: string): Promise<string | undefined> {
    return this.keys.read(apiKeyHash, () => this.repository.accountIdForApiKey(apiKeyHash));
  }

  list(options: { limit: number; cursor?: string }): Promise<AccountPage> {
    return this.repository.list(options);
  }

  create(account: Account, apiKeyHash: string): Promise<void> {
    return this.changing(account.id, () => this.repository.create(account, apiKeyHash));
  }

  transition(accountId: string, from: readonly AccountStatus[], changes: AccountChanges, since?: string): Promise<Account | undefined> {
    return this.changing(accountId, () => this.repository.transition(accountId, from, changes, since));
  }

  replaceApiKey(accountId: string, apiKeyHash: string): Promise<void> {
    return this.changing(accountId, () => this.repository.replaceApiKey(accountId, apiKeyHash));
  }

  revokeApiKeys(accountId: string): Promise<void> {
    return this.changing(accountId, () => this.repository.revokeApiKeys(accountId));
  }

  /** A write to one account: its record and every key that names it are read again afterwards. */
  private changing<R>(accountId: string, write: () => Promise<R>): Promise<R> {
    return this.keys.writing(
      (_, owner) => owner === accountId,
      () => this.accounts.writing((id) => id === accountId, write),
    );
  }
}
