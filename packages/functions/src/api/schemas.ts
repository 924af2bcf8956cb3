import { z } from "@hono/zod-openapi";
import { ACCOUNT_ID_PATTERN, AccountName, AccountStatus, type Caller, Forbidden } from "@visionstream/core";

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "VALIDATION_FAILED" }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi("Error");

export const AccountView = z
  .object({
    id: z.string().openapi({ example: "acc-0123456789abcdef" }),
    name: z.string(),
    status: AccountStatus,
    createdAt: z.string(),
    updatedAt: z.string(),
    provisioningAttempts: z.number().int(),
    cdnBaseUrl: z.string().optional(),
    bucketName: z.string().optional(),
    distributionId: z.string().optional(),
    publicKeyId: z.string().optional(),
    failureReason: z.string().optional(),
  })
  .openapi("Account");

export const AccountIdParams = z.object({
  accountId: z
    .string()
    .regex(ACCOUNT_ID_PATTERN, "an account id looks like acc-0123456789abcdef")
    .openapi({ param: { name: "accountId", in: "path" }, example: "acc-0123456789abcdef" }),
});

export const CreateAccountBody = z
  .object({ name: AccountName })
  .strict()
  .openapi("CreateAccount");

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ param: { name: "limit", in: "query" } }),
  cursor: z.string().max(2048).optional().openapi({ param: { name: "cursor", in: "query" } }),
});

export const errorResponses = {
  400: { description: "The request is invalid; details.issues names each field at fault", content: { "application/json": { schema: ErrorResponse } } },
  401: { description: "No valid bearer token", content: { "application/json": { schema: ErrorResponse } } },
  403: { description: "The token may not do this", content: { "application/json": { schema: ErrorResponse } } },
  404: { description: "No such resource", content: { "application/json": { schema: ErrorResponse } } },
  409: { description: "The resource is not in a state that allows this", content: { "application/json": { schema: ErrorResponse } } },
} as const;

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});

/** Routes that need the bearer token (the operator's or an account's key). */
export const secured = [{ bearer: [] }];

/** The account an account-owned route acts for: the caller's own; the operator token has none. */
export function accountOf(caller: Caller, what: string): string {
  if (caller.kind !== "account") throw new Forbidden(`${what} belong to accounts: use the account's API key`);
  return caller.accountId;
}

export const PlaybackQuery = z.object({
  expiresIn: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .optional()
    .openapi({ param: { name: "expiresIn", in: "query" }, description: "Seconds the link stays valid (default 3600)" }),
});

/** The web player on the API's own host, ready to play `src` (with `auth` added to every request when given). */
export function playerLink(requestUrl: string, src: string, auth?: string): string {
  const url = new URL("/player.html", requestUrl);
  url.searchParams.set("src", src);
  if (auth) url.searchParams.set("auth", auth);
  return url.toString();
}
