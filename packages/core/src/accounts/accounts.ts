import { visionStreamEntry } from "@visionstream/events";
import { z } from "zod";
import { Conflict, Forbidden, NotFound } from "../errors.ts";
import type { AccountInfrastructure, EventPublisher, StepResult } from "../ports.ts";
import { type Account, AccountName, type AccountRepository, type AccountStatus } from "./account.ts";
import { hashApiKey, newApiKey } from "./api-key.ts";
import { newId } from "../ids.ts";
import type { Caller } from "./authenticator.ts";

export interface AccountsDeps {
  repository: AccountRepository;
  publisher: EventPublisher;
  infrastructure: AccountInfrastructure;
  /** The account's channels, released with it. */
  channels: { releaseAll(accountId: string): Promise<StepResult> };
  /** The account's switchers (their flows cost while they exist), released with it. */
  switchers?: { releaseAll(accountId: string): Promise<StepResult> };
  now?: () => Date;
}

export const CreateAccountInput = z.object({ name: AccountName });

const LIVE: readonly AccountStatus[] = ["PROVISIONING", "ACTIVE", "FAILED"];

export function Accounts(deps: AccountsDeps) {
  const now = () => (deps.now?.() ?? new Date()).toISOString();

  async function get(accountId: string): Promise<Account> {
    const account = await deps.repository.get(accountId);
    if (!account) throw new NotFound("account", accountId);
    return account;
  }

  /** Touched, so that the sweeper asks again for the deletion's steps only after its grace. */
  async function stillDeleting(account: Account): Promise<Account> {
    return (await deps.repository.transition(account.id, ["DELETING"], { updatedAt: now() })) ?? account;
  }

  /**
   * One step of a DELETING account's deletion: once its work is done, the event that asks for the next, published by
   * the delivery that first records the step done (a duplicate delivery running beside it asks for nothing more).
   */
  async function deletionStep(accountId: string, work: () => Promise<StepResult>, next: "AccountChannelsReleased" | "AccountSwitchersReleased"): Promise<Account | undefined> {
    const account = await deps.repository.get(accountId);
    if (account?.status !== "DELETING") return account;
    if ((await work()) === "pending") return stillDeleting(account);
    // Later than the read, even within its millisecond: the write that records the step is the one a duplicate's fails on.
    const later = new Date(Math.max((deps.now?.() ?? new Date()).getTime(), Date.parse(account.updatedAt) + 1)).toISOString();
    const done = await deps.repository.transition(accountId, ["DELETING"], { updatedAt: later }, account.updatedAt);
    if (done) await deps.publisher.publish(visionStreamEntry(next, { accountId }));
    return done ?? (await deps.repository.get(accountId));
  }

  function reason(error: unknown): string {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }

  return {
    /** The account the caller may act on: admins any, an account key only its own. */
    async authorize(caller: Caller, accountId: string): Promise<Account> {
      if (caller.kind === "account" && caller.accountId !== accountId)
        throw new Forbidden("this API key belongs to another account");
      return get(accountId);
    },

    requireAdmin(caller: Caller): void {
      if (caller.kind !== "admin") throw new Forbidden("this operation needs the operator token");
    },

    get,

    async create(input: z.input<typeof CreateAccountInput>): Promise<{ account: Account; apiKey: string }> {
      const { name } = CreateAccountInput.parse(input);
      const timestamp = now();
      const account: Account = {
        id: newId("account"),
        name,
        status: "PROVISIONING",
        createdAt: timestamp,
        updatedAt: timestamp,
        provisioningAttempts: 1,
      };
      const apiKey = newApiKey();
      await deps.repository.create(account, hashApiKey(apiKey));
      await deps.publisher.publish(visionStreamEntry("AccountCreated", { accountId: account.id, name }));
      return { account, apiKey };
    },

    list(options: { limit: number; cursor?: string }) {
      return deps.repository.list(options);
    },

    async rotateApiKey(accountId: string): Promise<string> {
      const account = await get(accountId);
      if (!LIVE.includes(account.status)) throw new Conflict(`account ${accountId} is ${account.status}`, { status: account.status });
      const apiKey = newApiKey();
      await deps.repository.replaceApiKey(accountId, hashApiKey(apiKey));
      return apiKey;
    },

    async retryProvisioning(accountId: string): Promise<Account> {
      const account = await get(accountId);
      const retried = await deps.repository.transition(accountId, ["FAILED", "PROVISIONING"], {
        status: "PROVISIONING",
        provisioningAttempts: account.provisioningAttempts + 1,
        failureReason: undefined,
        updatedAt: now(),
      });
      if (!retried) throw new Conflict(`account ${accountId} is ${account.status}; only a FAILED or PROVISIONING account can be provisioned again`, { status: account.status });
      await deps.publisher.publish(
        visionStreamEntry("AccountProvisioningRetried", { accountId, attempt: retried.provisioningAttempts }),
      );
      return retried;
    },

    /** Safe to call again: a DELETING account has its keys revoked and AccountDeleted published once more. */
    async remove(accountId: string): Promise<Account> {
      const account = await get(accountId);
      if (account.status === "DELETED") return account;
      const deleting =
        account.status === "DELETING" ? account : await deps.repository.transition(accountId, LIVE, { status: "DELETING", updatedAt: now() });
      if (!deleting) return get(accountId);
      await deps.repository.revokeApiKeys(accountId);
      await deps.publisher.publish(visionStreamEntry("AccountDeleted", { accountId }));
      return deleting;
    },

    /** Reaction to AccountCreated / AccountProvisioningRetried. Safe to run any number of times. */
    async provision(accountId: string): Promise<Account | undefined> {
      const account = await deps.repository.get(accountId);
      if (account?.status !== "PROVISIONING") return account;
      let resources;
      try {
        resources = await deps.infrastructure.provision(accountId);
      } catch (error) {
        const failed = await deps.repository.transition(accountId, ["PROVISIONING"], {
          status: "FAILED",
          failureReason: reason(error),
          updatedAt: now(),
        });
        if (failed) await deps.publisher.publish(visionStreamEntry("AccountProvisioningFailed", { accountId, reason: reason(error) }));
        return failed ?? (await deps.repository.get(accountId));
      }
      const active = await deps.repository.transition(accountId, ["PROVISIONING"], {
        status: "ACTIVE",
        ...resources,
        failureReason: undefined,
        updatedAt: now(),
      });
      if (active) {
        await deps.publisher.publish(visionStreamEntry("AccountProvisioned", { accountId, ...resources }));
        return active;
      }
      const current = await deps.repository.get(accountId);
      // Deleted while we were provisioning: what we just made is taken down by the deprovisioning steps, which may
      // already have found nothing and finished; the account goes back to DELETING for them.
      if (current?.status === "DELETING" || current?.status === "DELETED") {
        const deleting = await deps.repository.transition(accountId, ["DELETING", "DELETED"], { status: "DELETING", updatedAt: now() });
        await deps.publisher.publish(visionStreamEntry("AccountDeleted", { accountId }));
        return deleting ?? current;
      }
      return current;
    },

    /**
     * Reaction to AccountDeleted, the first of the deletion's steps: every channel goes (a step each time). Once all
     * are DELETED, AccountChannelsReleased asks for the next; meanwhile the account stays DELETING and the sweeper
     * starts the steps again. Safe to run any number of times.
     */
    releaseChannels: (accountId: string) => deletionStep(accountId, () => deps.channels.releaseAll(accountId), "AccountChannelsReleased"),

    /** Reaction to AccountChannelsReleased: every switcher goes (its lineup, its flows); then AccountSwitchersReleased. */
    releaseSwitchers: (accountId: string) => deletionStep(accountId, async () => (await deps.switchers?.releaseAll(accountId)) ?? "done", "AccountSwitchersReleased"),

    /**
     * Reaction to AccountSwitchersReleased, the last step: the CDN resources go, then the account is DELETED. While
     * something is still going away (a distribution being disabled) it stays DELETING and the sweeper starts the steps
     * again. Safe to run any number of times.
     */
    async deprovision(accountId: string): Promise<Account | undefined> {
      const account = await deps.repository.get(accountId);
      if (account?.status !== "DELETING") return account;
      if ((await deps.infrastructure.deprovision(accountId)) === "pending") return stillDeleting(account);
      const deleted = await deps.repository.transition(accountId, ["DELETING"], { status: "DELETED", updatedAt: now() });
      if (deleted) await deps.publisher.publish(visionStreamEntry("AccountDeprovisioned", { accountId }));
      return deleted ?? (await deps.repository.get(accountId));
    },

    /** Scheduled: accounts still DELETING after `graceMs` have their deletion's steps asked for again, from the first. */
    async resumeDeletions({ graceMs = 30_000 }: { graceMs?: number } = {}): Promise<string[]> {
      const resumed: string[] = [];
      const limit = (deps.now?.() ?? new Date()).getTime() - graceMs;
      let cursor: string | undefined;
      do {
        const page = await deps.repository.list({ limit: 100, ...(cursor ? { cursor } : {}) });
        for (const account of page.accounts) {
          if (account.status !== "DELETING" || Date.parse(account.updatedAt) > limit) continue;
          await deps.publisher.publish(visionStreamEntry("AccountDeleted", { accountId: account.id }));
          resumed.push(account.id);
        }
        cursor = page.cursor;
      } while (cursor);
      return resumed;
    },
  };
}

export type Accounts = ReturnType<typeof Accounts>;
