import { OpenAPIHono, z } from "@hono/zod-openapi";
import { type Account, AccountName, type Accounts, AccountStatus, type ChannelState, type Channels, Conflict, exampleId } from "@visionstream/core";
import type { CallerEnv } from "./caller.ts";
import { idParam, jsonBody, jsonResponse, securedRoute } from "./route.ts";

const ON_AIR: readonly ChannelState[] = ["STARTING", "RUNNING", "RECOVERING", "STOPPING"];

const AccountView = z
  .object({
    id: z.string().openapi({ example: exampleId("account") }),
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

const CreateAccountBody = z.object({ name: AccountName }).strict().openapi("CreateAccount");

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).openapi({ param: { name: "limit", in: "query" } }),
  cursor: z.string().max(2048).optional().openapi({ param: { name: "cursor", in: "query" } }),
});

const params = idParam("account");
const OneAccount = z.object({ account: AccountView });
const CreatedAccount = z.object({ account: AccountView, apiKey: z.string() });
const AccountPage = z.object({ accounts: z.array(AccountView), cursor: z.string().optional() });
const ApiKey = z.object({ apiKey: z.string() });
const view = (account: Account) => AccountView.parse(account);

const routes = {
  create: securedRoute("post", "/accounts", { body: jsonBody(CreateAccountBody) }, { 201: jsonResponse(CreatedAccount, "Created; the API key is shown only once") }, "Create an account (operator token). Its bucket, CDN and signing key are provisioned in the background."),
  list: securedRoute("get", "/accounts", { query: ListQuery }, { 200: jsonResponse(AccountPage, "A page of accounts") }, "List accounts, newest first (operator token)"),
  get: securedRoute("get", "/accounts/{accountId}", { params }, { 200: jsonResponse(OneAccount, "The account") }, "Get an account (operator token or the account's own key)"),
  remove: securedRoute("delete", "/accounts/{accountId}", { params }, { 202: jsonResponse(OneAccount, "Deprovisioning") }, "Delete an account (operator token): its keys stop working at once, its CDN is disabled in the background; its bucket is kept. 409 while any of its channels is on air"),
  rotateApiKey: securedRoute("post", "/accounts/{accountId}/api-keys", { params }, { 201: jsonResponse(ApiKey, "The new key") }, "Rotate the account's API key: a new key is returned once and the previous one stops working"),
  provision: securedRoute("post", "/accounts/{accountId}/provision", { params }, { 202: jsonResponse(OneAccount, "Provisioning again") }, "Retry provisioning of a FAILED (or stuck PROVISIONING) account (operator token)"),
};

export function accountRoutes({ accounts, channels }: { accounts: Accounts; channels: Channels }) {
  const requireAdmin = (c: { var: CallerEnv["Variables"] }) => accounts.requireAdmin(c.var.caller);
  return new OpenAPIHono<CallerEnv>()
    .openapi(routes.create, async (c) => {
      requireAdmin(c);
      const { account, apiKey } = await accounts.create(c.req.valid("json"));
      return c.json({ account: view(account), apiKey }, 201);
    })
    .openapi(routes.list, async (c) => {
      requireAdmin(c);
      const page = await accounts.list(c.req.valid("query"));
      return c.json({ accounts: page.accounts.map(view), cursor: page.cursor }, 200);
    })
    .openapi(routes.get, async (c) => c.json({ account: view(await accounts.authorize(c.var.caller, c.req.valid("param").accountId)) }, 200))
    .openapi(routes.remove, async (c) => {
      requireAdmin(c);
      const { accountId } = c.req.valid("param");
      // Its keys stop at once: nobody could stop a channel left running (and billing) after that.
      const live = (await channels.list(accountId)).filter((channel) => ON_AIR.includes(channel.state));
      if (live.length > 0)
        throw new Conflict(`account ${accountId} has channels on air; stop them first`, { channels: live.map((channel) => channel.id) });
      return c.json({ account: view(await accounts.remove(accountId)) }, 202);
    })
    .openapi(routes.rotateApiKey, async (c) => {
      const { accountId } = c.req.valid("param");
      await accounts.authorize(c.var.caller, accountId);
      return c.json({ apiKey: await accounts.rotateApiKey(accountId) }, 201);
    })
    .openapi(routes.provision, async (c) => {
      requireAdmin(c);
      return c.json({ account: view(await accounts.retryProvisioning(c.req.valid("param").accountId)) }, 202);
    });
}
