import type { Accounts } from "@visionstream/core";
import { AccountDeletedEvent, AccountProvisioningRequestedEvent } from "@visionstream/events";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";

/** AccountCreated / AccountProvisioningRetried → the account's bucket, CDN and key; ACTIVE or FAILED. */
export const provisionAccountHandler = (accounts: Accounts) =>
  eventHandler(AccountProvisioningRequestedEvent, async (event) => {
    const account = await accounts.provision(event.detail.accountId);
    logger.info("account provisioning handled", { accountId: event.detail.accountId, status: account?.status });
  });

/** AccountDeleted → the CDN disabled and the signing key destroyed; DELETED. */
export const deprovisionAccountHandler = (accounts: Accounts) =>
  eventHandler(AccountDeletedEvent, async (event) => {
    const account = await accounts.deprovision(event.detail.accountId);
    logger.info("account deprovisioning handled", { accountId: event.detail.accountId, status: account?.status });
  });
