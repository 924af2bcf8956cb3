import { DynamoAccountRepository, documentClient } from "@visionstream/aws";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { Conflict, Forbidden, NotFound, Unauthorized } from "../errors.ts";
import type { AccountInfrastructure, AccountResources } from "../ports.ts";
import { FakePort, RecordingPublisher, testClock } from "../testing.ts";
import { Accounts } from "./accounts.ts";
import { Authenticator } from "./authenticator.ts";

const TABLE = "accounts-use-cases";
let tables: TestTables;
let repository: DynamoAccountRepository;

/** Hands out resources named after the account; `during` runs inside a provisioning, to race it. */
class FakeInfrastructure extends FakePort<"provision" | "deprovision"> implements AccountInfrastructure {
  during?: () => Promise<void>;

  async provision(accountId: string): Promise<AccountResources> {
    this.called("provision", accountId);
    await this.during?.();
    return { bucketName: `vs-media-${accountId}`, distributionId: "E2QWRUHAPOMQZL", cdnBaseUrl: "https://d111111abcdef8.cloudfront.net", publicKeyId: "K2JCJMDEHXQW5F" };
  }

  async deprovision(accountId: string): Promise<void> {
    this.called("deprovision", accountId);
  }
}

function accounts() {
  const publisher = new RecordingPublisher();
  const infrastructure = new FakeInfrastructure();
  const clock = testClock();
  const authenticator = Authenticator({ repository, adminToken: "operator-token" });
  return { publisher, infrastructure, clock, authenticator, accounts: Accounts({ repository, publisher, infrastructure, now: clock.now }) };
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

  it("deletes in two steps: DELETING with its keys revoked at once, then DELETED once the infrastructure is gone", async () => {
    const { accounts: use, publisher, infrastructure, authenticator } = accounts();
    const { account, apiKey } = await use.create({ name: "leaving" });
    await use.provision(account.id);

    const deleting = await use.remove(account.id);
    const rotation = await use.rotateApiKey(account.id).catch((error: unknown) => error);
    const keyWhileDeleting = await authenticator.authenticate(apiKey).catch((error: unknown) => error);
    const deleted = await use.deprovision(account.id);
    const removedAgain = await use.remove(account.id);
    const deprovisionedAgain = await use.deprovision(account.id);

    expect(deleting.status).toBe("DELETING");
    expect(rotation).toBeInstanceOf(Conflict);
    expect(rotation).toMatchObject({ details: { status: "DELETING" } });
    expect(keyWhileDeleting).toBeInstanceOf(Unauthorized);
    expect(deleted?.status).toBe("DELETED");
    expect(removedAgain.status).toBe("DELETED");
    expect(deprovisionedAgain?.status).toBe("DELETED");
    expect(infrastructure.callsOf("deprovision")).toEqual([[account.id]]);
    expect(publisher.detailTypes()).toEqual(["AccountCreated", "AccountProvisioned", "AccountDeleted", "AccountDeprovisioned"]);
  });

  it("announces AccountDeleted again when a DELETING account is removed again, so a lost event is made good", async () => {
    const { accounts: use, publisher } = accounts();
    const { account } = await use.create({ name: "deleted twice" });

    await use.remove(account.id);
    const again = await use.remove(account.id);

    expect(again.status).toBe("DELETING");
    expect(publisher.detailTypes()).toEqual(["AccountCreated", "AccountDeleted", "AccountDeleted"]);
  });

  it("takes down what a provisioning made when the account was deleted meanwhile", async () => {
    const { accounts: use, infrastructure, publisher } = accounts();
    const { account } = await use.create({ name: "deleted while provisioning" });
    infrastructure.during = async () => void (await use.remove(account.id));

    const outcome = await use.provision(account.id);

    expect(outcome?.status).toBe("DELETING");
    expect(infrastructure.callsOf("deprovision")).toEqual([[account.id]]);
    expect(publisher.detailTypes()).not.toContain("AccountProvisioned");
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
