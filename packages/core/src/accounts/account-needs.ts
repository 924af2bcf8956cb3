import { Conflict, NotFound } from "../errors.ts";
import type { Account, AccountRepository } from "./account.ts";

export type ActiveAccount = Account & { bucketName: string; cdnBaseUrl: string };

/** What channels, media, recordings and switchers need of their account before they act, each refused in its own words. */
export function AccountNeeds(accounts: Pick<AccountRepository, "get">) {
  async function having(accountId: string, field: "bucketName" | "cdnBaseUrl", name: string): Promise<string> {
    const account = await accounts.get(accountId);
    const value = account?.[field];
    if (!value) throw new Conflict(`account ${accountId} has no ${name}`, { status: account?.status });
    return value;
  }

  return {
    /** ACTIVE, with its bucket and CDN; `who` is what the refusal says needs it ("channels need"). */
    async active(accountId: string, who: string): Promise<ActiveAccount> {
      const account = await accounts.get(accountId);
      if (!account) throw new NotFound("account", accountId);
      if (account.status !== "ACTIVE" || !account.bucketName || !account.cdnBaseUrl)
        throw new Conflict(`account ${accountId} is ${account.status}; ${who} an ACTIVE account`, { status: account.status });
      return account as ActiveAccount;
    },

    /** ACTIVE with its bucket, the CDN not needed. */
    async provisioned(accountId: string): Promise<Account & { bucketName: string }> {
      const account = await accounts.get(accountId);
      if (!account?.bucketName || account.status !== "ACTIVE") throw new Conflict(`account ${accountId} is not provisioned yet`, { status: account?.status });
      return account as Account & { bucketName: string };
    },

    bucket: (accountId: string) => having(accountId, "bucketName", "bucket"),
    cdn: (accountId: string) => having(accountId, "cdnBaseUrl", "CDN"),
  };
}
