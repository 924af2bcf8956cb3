import { type Authenticator, type Caller, Forbidden } from "@visionstream/core";
import type { MiddlewareHandler } from "hono";

/** What a request carries past authentication: who is calling. */
export type CallerEnv = { Variables: { caller: Caller } };

export function bearer(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
}

export const authenticate =
  (authenticator: Authenticator): MiddlewareHandler<CallerEnv> =>
  async (c, next) => {
    c.set("caller", await authenticator.authenticate(bearer(c.req.header("authorization"))));
    await next();
  };

/** The account an account-owned route (of `what`) acts for: the caller's own; the operator token has none. */
export const callerAccount =
  (what: string) =>
  (c: { var: CallerEnv["Variables"] }): string => {
    const { caller } = c.var;
    if (caller.kind !== "account") throw new Forbidden(`${what} belong to accounts: use the account's API key`);
    return caller.accountId;
  };
