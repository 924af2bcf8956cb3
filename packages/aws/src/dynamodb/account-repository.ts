import { Account, type AccountChanges, Conflict, type AccountPage, type AccountRepository, type AccountStatus } from "@visionstream/core";
import { listedItem, TableRepository } from "./table.ts";

const accountKey = (accountId: string) => ({ pk: `ACCOUNT#${accountId}`, sk: "ACCOUNT" });
const apiKeyKey = (hash: string) => ({ pk: `APIKEY#${hash}`, sk: "APIKEY" });
const ACCOUNTS = "ACCOUNTS";

export class ConcurrentKeyChange extends Conflict {
  override name = "ConcurrentKeyChange";
}

export class DynamoAccountRepository extends TableRepository implements AccountRepository {
  /**
   * No transactions (dynalite has none, and a key item without its account is inert):
   * the account item's apiKeyHash is what makes a key valid, so it is always written last.
   */
  async create(account: Account, apiKeyHash: string): Promise<void> {
    await this.putKeyItem(account.id, apiKeyHash, account.createdAt);
    await this.table.create({ ...listedItem(accountKey(account.id), ACCOUNTS, account), apiKeyHash });
  }

  get(accountId: string): Promise<Account | undefined> {
    return this.table.get(Account, accountKey(accountId));
  }

  async list({ limit, cursor }: { limit: number; cursor?: string }): Promise<AccountPage> {
    const page = await this.table.newestFirstPage(Account, ACCOUNTS, { limit, cursor, placeholder: ":accounts" });
    return { accounts: page.items, cursor: page.cursor };
  }

  transition(accountId: string, from: readonly AccountStatus[], changes: AccountChanges, since?: string): Promise<Account | undefined> {
    return this.table.update(Account, {
      key: accountKey(accountId),
      changes,
      condition: { field: "status", allowed: from },
      ...(since !== undefined ? { unchanged: { field: "updatedAt", value: since } } : {}),
    });
  }

  private async currentKeyHash(accountId: string): Promise<string | undefined> {
    const item = await this.table.read(accountKey(accountId), { ConsistentRead: true, ProjectionExpression: "apiKeyHash" });
    return item?.apiKeyHash as string | undefined;
  }

  private async putKeyItem(accountId: string, apiKeyHash: string, createdAt: string): Promise<void> {
    await this.table.create({ ...apiKeyKey(apiKeyHash), accountId, createdAt });
  }

  private async deleteKeyItem(apiKeyHash: string | undefined): Promise<void> {
    if (apiKeyHash) await this.table.delete(apiKeyKey(apiKeyHash));
  }

  /** Switches the account's valid key in one conditional write; key items before and after are bookkeeping. */
  private async swapKey(accountId: string, previous: string | undefined, next: string | undefined): Promise<void> {
    const swapped = await this.table.updateIf(accountKey(accountId), {
      UpdateExpression: next ? "SET apiKeyHash = :next" : "REMOVE apiKeyHash",
      // A new key only for an account that is not being deleted: a rotation racing a deletion loses.
      ConditionExpression: [
        previous ? "apiKeyHash = :previous" : "attribute_exists(pk) AND attribute_not_exists(apiKeyHash)",
        ...(next ? ["#status IN (:provisioning, :active, :failed)"] : []),
      ].join(" AND "),
      ...(next ? { ExpressionAttributeNames: { "#status": "status" } } : {}),
      ExpressionAttributeValues: {
        ...(next ? { ":next": next, ":provisioning": "PROVISIONING", ":active": "ACTIVE", ":failed": "FAILED" } : {}),
        ...(previous ? { ":previous": previous } : {}),
      },
    });
    if (!swapped) throw new ConcurrentKeyChange(`the API key of ${accountId} changed meanwhile; try again`);
  }

  async replaceApiKey(accountId: string, apiKeyHash: string): Promise<void> {
    const previous = await this.currentKeyHash(accountId);
    await this.putKeyItem(accountId, apiKeyHash, new Date().toISOString());
    await this.swapKey(accountId, previous, apiKeyHash);
    await this.deleteKeyItem(previous);
  }

  async revokeApiKeys(accountId: string): Promise<void> {
    const previous = await this.currentKeyHash(accountId);
    if (!previous) return;
    await this.swapKey(accountId, previous, undefined);
    await this.deleteKeyItem(previous);
  }

  async accountIdForApiKey(apiKeyHash: string): Promise<string | undefined> {
    const item = await this.table.read(apiKeyKey(apiKeyHash), { ConsistentRead: true });
    const accountId = item?.accountId as string | undefined;
    if (!accountId) return undefined;
    return (await this.currentKeyHash(accountId)) === apiKeyHash ? accountId : undefined;
  }
}
