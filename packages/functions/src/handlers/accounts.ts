import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import middy from "@middy/core";
import type { Accounts } from "@visionstream/core";
import { AccountDeletedEvent, AccountProvisioningRequestedEvent } from "@visionstream/events";
import { logger } from "../logger.ts";

/** AccountCreated / AccountProvisioningRetried → the account's bucket, CDN and key; ACTIVE or FAILED. */
export function provisionAccountHandler(accounts: Accounts) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(parser({ schema: AccountProvisioningRequestedEvent }))
    .handler(async (event) => {
      const account = await accounts.provision(event.detail.accountId);
      logger.info("account provisioning handled", { accountId: event.detail.accountId, status: account?.status });
    });
}

/** AccountDeleted → the CDN disabled and the signing key destroyed; DELETED. */
export function deprovisionAccountHandler(accounts: Accounts) {
  return middy()
    .use(injectLambdaContext(logger))
    .use(parser({ schema: AccountDeletedEvent }))
    .handler(async (event) => {
      const account = await accounts.deprovision(event.detail.accountId);
      logger.info("account deprovisioning handled", { accountId: event.detail.accountId, status: account?.status });
    });
}
