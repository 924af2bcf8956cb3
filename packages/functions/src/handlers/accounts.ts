import type { Account, Accounts } from "@visionstream/core";
import { AccountChannelsReleasedEvent, AccountDeletedEvent, AccountProvisioningRequestedEvent, AccountSwitchersReleasedEvent } from "@visionstream/events";
import type { z } from "zod";
import { logger } from "../logger.ts";
import { eventHandler } from "./event-handler.ts";

/** A reaction that takes an account one step further and says where it left it. */
const accountStep = <S extends z.ZodType<{ detail: { accountId: string } }>>(schema: S, step: (accountId: string) => Promise<Account | undefined>, done: string) =>
  eventHandler(schema, async (event) => {
    const { accountId } = (event as { detail: { accountId: string } }).detail;
    logger.info(done, { accountId, status: (await step(accountId))?.status });
  });

/** AccountCreated / AccountProvisioningRetried → the account's bucket, CDN and key; ACTIVE or FAILED. */
export const provisionAccountHandler = (accounts: Accounts) => accountStep(AccountProvisioningRequestedEvent, accounts.provision, "account provisioning handled");

/** AccountDeleted → the account's channels deleted, a step each time; AccountChannelsReleased once all are. */
export const releaseAccountChannelsHandler = (accounts: Accounts) => accountStep(AccountDeletedEvent, accounts.releaseChannels, "release of the account's channels handled");

/** AccountChannelsReleased → the account's switchers deleted (lineups, flows); AccountSwitchersReleased. */
export const releaseAccountSwitchersHandler = (accounts: Accounts) => accountStep(AccountChannelsReleasedEvent, accounts.releaseSwitchers, "release of the account's switchers handled");

/** AccountSwitchersReleased → the CDN disabled and the signing key destroyed; DELETED. */
export const deprovisionAccountHandler = (accounts: Accounts) => accountStep(AccountSwitchersReleasedEvent, accounts.deprovision, "account deprovisioning handled");
