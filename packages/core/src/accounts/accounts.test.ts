import { DynamoAccountRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { Conflict, Forbidden, NotFound, Unauthorized } from "../errors.ts";
import type { AccountInfrastructure, AccountResources, StepResult } from "../ports.ts";
import { FakePort, RecordingPublisher, testClock } from "../testing.ts";
import type { Account } from "./account.ts";
import { Accounts } from "./accounts.ts";
import { Authenticator } from "./authenticator.ts";

const TABLE = "accounts-use-cases";
let tables: TestTables;
let repository: DynamoAccountRepository;

/** Hands out resources named after the account; `during` runs inside a provisioning, to race it; `pendingSteps` deprovisionings answer "pending". */
class FakeInfrastructure extends FakePort<"provision" | "deprovision"> implements AccountInfrastructure {
  during?: () => Promise<void>;
  pendingSteps = 0;

  async provision(accountId: string): Promise<AccountResources> {
    this.called("provision", accountId);
    await this.during?.();
    return { bucketName: `vs-media-${accountId}`, distributionId: "E2QWRUHAPOMQZL", cdnBaseUrl: "https://d111111abcdef8.cloudfront.net", publicKeyId: "K2JCJMDEHXQW5F" };
  }

  async deprovision(accountId: string): Promise<StepResult> {
    this.called("deprovision", accountId);
    return this.pendingSteps-- > 0 ? "pending" : "done";
  }
}

/** The account's channels: `pendingSteps` releases answer "pending" (a running channel still going away). */
class FakeChannels extends FakePort<"releaseAll"> {
  pendingSteps = 0;

  async releaseAll(accountId: string): Promise<StepResult> {
    this.called("releaseAll", accountId);
    return this.pendingSteps-- > 0 ? "pending" : "done";
  }
}

class FakeSwitchers extends FakePort<"releaseAll"> {
  async releaseAll(accountId: string): Promise<StepResult> {
    this.called("releaseAll", accountId);
    return "done";
  }
}

function accounts() {
  const publisher = new RecordingPublisher();
  const infrastructure = new FakeInfrastructure();
  const channels = new FakeChannels();
  const switchers = new FakeSwitchers();
  const clock = testClock();
  const authenticator = Authenticator({ repository, adminToken: "operator-token" });
  const use = Accounts({ repository, publisher, infrastructure, channels, switchers, now: clock.now });
  const steps: Record<string, (accountId: string) => Promise<Account | undefined>> = {
    AccountDeleted: use.releaseChannels,
    AccountChannelsReleased: use.releaseSwitchers,
    AccountSwitchersReleased: use.deprovision,
  };
  /**
   * AccountDeleted delivered `times` at once, then each event its steps publish, as the rules chain them (all the
   * deliveries of a round at once): the account as the last step left it.
   */
  const deletionSteps = async (accountId: string, times = 1) => {
    let due = Array.from({ length: times }, () => "AccountDeleted");
    let account: Account | undefined;
    while (due.length > 0) {
      const from = publisher.published.length;
      account = (await Promise.all(due.map((detailType) => steps[detailType]!(accountId)))).at(-1);
      due = publisher.published.slice(from).flatMap((entry) => (entry.detail.accountId === accountId && entry["detail-type"] in steps ? [entry["detail-type"]] : []));
    }
    return account;
  };
  return { publisher, infrastructure, channels, switchers, clock, authenticator, accounts: use, deletionSteps };
}

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  repository = new DynamoAccountRepository(documentClient(tables.client), TABLE);
});

afterAll(() => tables.close());

describe("Accounts", () => {
  it("creates a PROVISIONING account whose API key authenticates it, and announces it", async () => {
    const { accounts: use, publisher, authenticator, clock } = accounts();

    const { account, apiKey } = await use.create({ name: "  Festival TV " });

    expect(account).toEqual({
      id: expect.stringMatching(/^acc-[a-z0-9]{16}$/),
      name: "Festival TV",
      status: "PROVISIONING",
      createdAt: clock.now().toISOString(),
      updatedAt: clock.now().toISOString(),
      provisioningAttempts: 1,
    });
    expect(apiKey).toMatch(/^vs_[A-Za-z0-9_-]{43}$/);
    expect(await use.get(account.id)).toEqual(account);
    expect(await authenticator.authenticate(apiKey)).toEqual({ kind: "account", accountId: account.id });
    expect(publisher.published).toEqual([{ source: "visionstream", "detail-type": "AccountCreated", detail: { accountId: account.id, name: "Festival TV" } }]);
  });

  it("refuses a name that is empty or holds control characters, storing and announcing nothing", async () => {
    const { accounts: use, publisher } = accounts();
    const before = await repository.list({ limit: 100 });

    await expect(use.create({ name: "   " })).rejects.toBeInstanceOf(ZodError);
    await expect(use.create({ name: "bell\u0007" })).rejects.toBeInstanceOf(ZodError);

    expect((await repository.list({ limit: 100 })).accounts).toHaveLength(before.accounts.length);
    expect(publisher.published).toEqual([]);
  });

  it("provisions a PROVISIONING account once: ACTIVE with its resources, announced, and a second delivery changes nothing", async () => {
    const { accounts: use, publisher, infrastructure } = accounts();
    const { account } = await use.create({ name: "provisioned" });

    const active = await use.provision(account.id);
    const again = await use.provision(account.id);

    expect(active).toMatchObject({ status: "ACTIVE", bucketName: `vs-media-${account.id}`, cdnBaseUrl: "https://d111111abcdef8.cloudfront.net", publicKeyId: "K2JCJMDEHXQW5F" });
    expect(again).toEqual(active);
    expect(infrastructure.callsOf("provision")).toEqual([[account.id]]);
    expect(publisher.detailTypes()).toEqual(["AccountCreated", "AccountProvisioned"]);
    expect(publisher.published[1]!.detail).toEqual({ accountId: account.id, bucketName: `vs-media-${account.id}`, distributionId: "E2QWRUHAPOMQZL", cdnBaseUrl: "https://d111111abcdef8.cloudfront.net", publicKeyId: "K2JCJMDEHXQW5F" });
  });

  it("marks a failed provisioning FAILED with its reason, and provisions it again on retry", async () => {
    const { accounts: use, publisher, infrastructure } = accounts();
    const { account } = await use.create({ name: "unlucky" });
    infrastructure.refuseNext("provision", new Error("bucket quota reached"));

    const failed = await use.provision(account.id);
    const retried = await use.retryProvisioning(account.id);
    const active = await use.provision(account.id);

    expect(failed).toMatchObject({ status: "FAILED", failureReason: "Error: bucket quota reached" });
    expect(retried.status).toBe("PROVISIONING");
    expect(retried.provisioningAttempts).toBe(2);
    expect(retried).not.toHaveProperty("failureReason");
    expect(active?.status).toBe("ACTIVE");
    expect(publisher.published.slice(1)).toEqual([
      { source: "visionstream", "detail-type": "AccountProvisioningFailed", detail: { accountId: account.id, reason: "Error: bucket quota reached" } },
      { source: "visionstream", "detail-type": "AccountProvisioningRetried", detail: { accountId: account.id, attempt: 2 } },
      expect.objectContaining({ "detail-type": "AccountProvisioned" }),
    ]);
  });

  it("retries the provisioning of a FAILED or PROVISIONING account only", async () => {
    const { accounts: use } = accounts();
    const { account } = await use.create({ name: "already active" });
    await use.provision(account.id);

    const refusal = use.retryProvisioning(account.id);

    await expect(refusal).rejects.toBeInstanceOf(Conflict);
    await expect(refusal).rejects.toMatchObject({ details: { status: "ACTIVE" } });
    await expect(use.retryProvisioning("acc-0000000000000000")).rejects.toBeInstanceOf(NotFound);
  });

  it("rotates the API key: the new key works, the old one no longer does", async () => {
    const { accounts: use, authenticator } = accounts();
    const { account, apiKey: old } = await use.create({ name: "rotating" });

    const fresh = await use.rotateApiKey(account.id);

    expect(fresh).not.toBe(old);
    expect(await authenticator.authenticate(fresh)).toEqual({ kind: "account", accountId: account.id });
    await expect(authenticator.authenticate(old)).rejects.toBeInstanceOf(Unauthorized);
    await expect(use.rotateApiKey("acc-0000000000000000")).rejects.toBeInstanceOf(NotFound);
  });

  it("deletes in two steps: DELETING with its keys revoked at once, then DELETED once its channels, switchers and infrastructure are gone", async () => {
    const { accounts: use, publisher, infrastructure, channels, switchers, authenticator, deletionSteps } = accounts();
    const { account, apiKey } = await use.create({ name: "leaving" });
    await use.provision(account.id);

    const deleting = await use.remove(account.id);
    const rotation = await use.rotateApiKey(account.id).catch((error: unknown) => error);
    const keyWhileDeleting = await authenticator.authenticate(apiKey).catch((error: unknown) => error);
    const deleted = await deletionSteps(account.id);
    const removedAgain = await use.remove(account.id);
    const deprovisionedAgain = await deletionSteps(account.id);

    expect(deleting.status).toBe("DELETING");
    expect(rotation).toBeInstanceOf(Conflict);
    expect(rotation).toMatchObject({ details: { status: "DELETING" } });
    expect(keyWhileDeleting).toBeInstanceOf(Unauthorized);
    expect(deleted?.status).toBe("DELETED");
    expect(removedAgain.status).toBe("DELETED");
    expect(deprovisionedAgain?.status).toBe("DELETED");
    expect(channels.callsOf("releaseAll")).toEqual([[account.id]]);
    expect(switchers.callsOf("releaseAll")).toEqual([[account.id]]);
    expect(infrastructure.callsOf("deprovision")).toEqual([[account.id]]);
    expect(publisher.detailTypes()).toEqual(["AccountCreated", "AccountProvisioned", "AccountDeleted", "AccountChannelsReleased", "AccountSwitchersReleased", "AccountDeprovisioned"]);
  });

  it("stays DELETING, a step per delivery, while its channels or its distribution are still going away, and is DELETED once both are done", async () => {
    const { accounts: use, publisher, infrastructure, channels, switchers, clock, deletionSteps } = accounts();
    const { account } = await use.create({ name: "slowly leaving" });
    await use.provision(account.id);
    await use.remove(account.id);
    infrastructure.pendingSteps = 1;
    channels.pendingSteps = 1;

    const steps = [];
    for (let delivery = 0; delivery < 3; delivery++) {
      clock.advance(60_000);
      steps.push(await deletionSteps(account.id));
    }

    expect(steps.map((step) => [step?.status, step?.updatedAt])).toEqual([
      ["DELETING", new Date(Date.parse(account.createdAt) + 60_000).toISOString()],
      ["DELETING", new Date(Date.parse(account.createdAt) + 120_000).toISOString()],
      ["DELETED", new Date(Date.parse(account.createdAt) + 180_000).toISOString()],
    ]);
    // The channels' step asks for the next only once they are all gone; every delivery starts from the first step.
    expect(channels.callsOf("releaseAll")).toEqual([[account.id], [account.id], [account.id]]);
    expect(switchers.callsOf("releaseAll")).toEqual([[account.id], [account.id]]);
    expect(infrastructure.callsOf("deprovision")).toEqual([[account.id], [account.id]]);
    expect(publisher.detailTypes().filter((type) => type === "AccountDeprovisioned")).toHaveLength(1);
  });

  it("is DELETED and announced once when AccountDeleted is delivered twice at the same time", async () => {
    const { accounts: use, publisher, infrastructure, deletionSteps } = accounts();
    const { account } = await use.create({ name: "delivered twice" });
    await use.provision(account.id);
    await use.remove(account.id);

    const outcome = await deletionSteps(account.id, 2);

    expect(outcome?.status).toBe("DELETED");
    // Both deliveries may find it DELETING and take the (idempotent) step; only one makes it DELETED.
    expect([[[account.id]], [[account.id], [account.id]]]).toContainEqual(infrastructure.callsOf("deprovision"));
    // The duplicate runs each step beside the first; only the first to record a step asks for the next.
    for (const detailType of ["AccountChannelsReleased", "AccountSwitchersReleased", "AccountDeprovisioned"])
      expect(publisher.published.filter((entry) => entry["detail-type"] === detailType)).toEqual([{ source: "visionstream", "detail-type": detailType, detail: { accountId: account.id } }]);
  });

  it("asks again for the deletion of accounts left DELETING longer than the grace, and of no other", async () => {
    const { accounts: use, publisher, infrastructure, clock, deletionSteps } = accounts();
    const { account: stuck } = await use.create({ name: "stuck deleting" });
    await use.provision(stuck.id);
    await use.remove(stuck.id);
    infrastructure.pendingSteps = 1;
    await deletionSteps(stuck.id);
    clock.advance(20_000);
    const { account: recent } = await use.create({ name: "recently deleted" });
    await use.remove(recent.id);
    const { account: active } = await use.create({ name: "staying" });
    await use.provision(active.id);
    clock.advance(10_000);
    const own = [stuck.id, recent.id, active.id];
    const publishedBefore = publisher.published.length;

    const resumed = (await use.resumeDeletions({ graceMs: 30_000 })).filter((id) => own.includes(id));
    const deleted = await deletionSteps(stuck.id);

    expect(resumed).toEqual([stuck.id]);
    expect(publisher.published.slice(publishedBefore).filter((entry) => own.includes(entry.detail.accountId))).toEqual([
      { source: "visionstream", "detail-type": "AccountDeleted", detail: { accountId: stuck.id } },
      { source: "visionstream", "detail-type": "AccountChannelsReleased", detail: { accountId: stuck.id } },
      { source: "visionstream", "detail-type": "AccountSwitchersReleased", detail: { accountId: stuck.id } },
      { source: "visionstream", "detail-type": "AccountDeprovisioned", detail: { accountId: stuck.id } },
    ]);
    expect(deleted?.status).toBe("DELETED");
  });

  it("takes each step of a deletion only while the account is DELETING: a step's event delivered late or out of turn does nothing", async () => {
    const { accounts: use, publisher, infrastructure, channels, switchers, deletionSteps } = accounts();
    const { account } = await use.create({ name: "out of turn" });
    await use.provision(account.id);

    const beforeDeletion = [await use.releaseChannels(account.id), await use.releaseSwitchers(account.id), await use.deprovision(account.id)];
    await use.remove(account.id);
    await deletionSteps(account.id);
    const afterDeletion = [await use.releaseChannels(account.id), await use.releaseSwitchers(account.id), await use.deprovision(account.id)];

    expect(beforeDeletion.map((step) => step?.status)).toEqual(["ACTIVE", "ACTIVE", "ACTIVE"]);
    expect(afterDeletion.map((step) => step?.status)).toEqual(["DELETED", "DELETED", "DELETED"]);
    expect(channels.callsOf("releaseAll")).toEqual([[account.id]]);
    expect(switchers.callsOf("releaseAll")).toEqual([[account.id]]);
    expect(infrastructure.callsOf("deprovision")).toEqual([[account.id]]);
    expect(publisher.detailTypes().filter((type) => type === "AccountDeprovisioned")).toHaveLength(1);
  });

  it("announces AccountDeleted again when a DELETING account is removed again, so a lost event is made good", async () => {
    const { accounts: use, publisher } = accounts();
    const { account } = await use.create({ name: "deleted twice" });

    await use.remove(account.id);
    const again = await use.remove(account.id);

    expect(again.status).toBe("DELETING");
    expect(publisher.detailTypes()).toEqual(["AccountCreated", "AccountDeleted", "AccountDeleted"]);
  });

  it("hands what a provisioning made to the deprovisioning steps when the account was deleted meanwhile, even after they finished", async () => {
    const { accounts: use, infrastructure, publisher, deletionSteps } = accounts();
    const { account } = await use.create({ name: "deleted while provisioning" });
    // The deletion and its first deprovisioning step (which finds nothing yet and finishes) run while provisioning creates.
    infrastructure.during = async () => {
      infrastructure.during = undefined;
      await use.remove(account.id);
      await deletionSteps(account.id);
    };

    const outcome = await use.provision(account.id);
    const finished = await deletionSteps(account.id);

    expect(outcome?.status).toBe("DELETING");
    expect(publisher.detailTypes()).not.toContain("AccountProvisioned");
    expect(publisher.detailTypes().filter((type) => type === "AccountDeleted")).toHaveLength(2);
    expect(infrastructure.callsOf("deprovision")).toEqual([[account.id], [account.id]]);
    expect(finished?.status).toBe("DELETED");
  });

  it("lets the operator act on any account and an account key only on its own", async () => {
    const { accounts: use } = accounts();
    const { account: mine } = await use.create({ name: "mine" });
    const { account: theirs } = await use.create({ name: "theirs" });
    const caller = { kind: "account", accountId: mine.id } as const;

    expect((await use.authorize({ kind: "admin" }, theirs.id)).id).toBe(theirs.id);
    expect((await use.authorize(caller, mine.id)).id).toBe(mine.id);
    await expect(use.authorize(caller, theirs.id)).rejects.toBeInstanceOf(Forbidden);
    await expect(use.authorize({ kind: "admin" }, "acc-0000000000000000")).rejects.toBeInstanceOf(NotFound);
    expect(() => use.requireAdmin(caller)).toThrow(Forbidden);
    expect(() => use.requireAdmin({ kind: "admin" })).not.toThrow();
  });

  it("lists accounts page by page", async () => {
    const { accounts: use } = accounts();
    const everyone = await use.list({ limit: 1_000 });

    const first = await use.list({ limit: 2 });
    const rest = await use.list({ limit: 1_000, cursor: first.cursor });

    expect(first.accounts).toHaveLength(2);
    expect([...first.accounts, ...rest.accounts].map((account) => account.id)).toEqual(everyone.accounts.map((account) => account.id));
  });
});
