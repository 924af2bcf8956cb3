import { Unauthorized } from "../errors.ts";
import type { AccountRepository } from "./account.ts";
import { hashApiKey, looksLikeApiKey, sameSecret } from "./api-key.ts";

export type Caller = { kind: "admin" } | { kind: "account"; accountId: string };

/** Who is calling: the operator (admin token) or an account (one of its API keys). */
export function Authenticator(deps: { repository: Pick<AccountRepository, "accountIdForApiKey">; adminToken: string }) {
  return {
    async authenticate(bearer: string | undefined): Promise<Caller> {
      if (!bearer) throw new Unauthorized("an Authorization: Bearer <token> header is required");
      if (sameSecret(bearer, deps.adminToken)) return { kind: "admin" };
      if (looksLikeApiKey(bearer)) {
        const accountId = await deps.repository.accountIdForApiKey(hashApiKey(bearer));
        if (accountId) return { kind: "account", accountId };
      }
      throw new Unauthorized("the token is not valid");
    },
  };
}

export type Authenticator = ReturnType<typeof Authenticator>;
