import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { type Account, type ChannelState, Conflict } from "@visionstream/core";
import type { ApiEnv } from "./env.ts";
import { AccountIdParams, AccountView, CreateAccountBody, errorResponses, jsonResponse, ListQuery, secured } from "./schemas.ts";

const ON_AIR: readonly ChannelState[] = ["STARTING", "RUNNING", "RECOVERING", "STOPPING"];



const view = (account: Account) => AccountView.parse(account);

export function accountRoutes() {
  const app = new OpenAPIHono<ApiEnv>();

  app.openapi(
    createRoute({
      method: "post",
      path: "/accounts",
      summary: "Create an account (operator token). Its bucket, CDN and signing key are provisioned in the background.",
      security: secured,
      request: { body: { required: true, content: { "application/json": { schema: CreateAccountBody } } } },
      responses: {
        201: jsonResponse(z.object({ account: AccountView, apiKey: z.string() }), "Created; the API key is shown only once"),
        ...errorResponses,
      },
    }),
    async (c) => {
      c.get("accounts").requireAdmin(c.get("caller"));
      const { account, apiKey } = await c.get("accounts").create(c.req.valid("json"));
      return c.json({ account: view(account), apiKey }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/accounts",
      summary: "List accounts, newest first (operator token)",
      security: secured,
      request: { query: ListQuery },
      responses: { 200: jsonResponse(z.object({ accounts: z.array(AccountView), cursor: z.string().optional() }), "A page of accounts"), ...errorResponses },
    }),
    async (c) => {
      c.get("accounts").requireAdmin(c.get("caller"));
      const page = await c.get("accounts").list(c.req.valid("query"));
      return c.json({ accounts: page.accounts.map(view), cursor: page.cursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/accounts/{accountId}",
      summary: "Get an account (operator token or the account's own key)",
      security: secured,
      request: { params: AccountIdParams },
      responses: { 200: jsonResponse(z.object({ account: AccountView }), "The account"), ...errorResponses },
    }),
    async (c) => {
      const account = await c.get("accounts").authorize(c.get("caller"), c.req.valid("param").accountId);
      return c.json({ account: view(account) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/accounts/{accountId}",
      summary: "Delete an account (operator token): its keys stop working at once, its CDN is disabled in the background; its bucket is kept. 409 while any of its channels is on air",
      security: secured,
      request: { params: AccountIdParams },
      responses: { 202: jsonResponse(z.object({ account: AccountView }), "Deprovisioning"), ...errorResponses },
    }),
    async (c) => {
      c.get("accounts").requireAdmin(c.get("caller"));
      const { accountId } = c.req.valid("param");
      // Its keys stop at once: nobody could stop a channel left running (and billing) after that.
      const live = (await c.get("channels").list(accountId)).filter((channel) => ON_AIR.includes(channel.state));
      if (live.length > 0)
        throw new Conflict(`account ${accountId} has channels on air; stop them first`, { channels: live.map((channel) => channel.id) });
      const account = await c.get("accounts").remove(accountId);
      return c.json({ account: view(account) }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/accounts/{accountId}/api-keys",
      summary: "Rotate the account's API key: a new key is returned once and the previous one stops working",
      security: secured,
      request: { params: AccountIdParams },
      responses: { 201: jsonResponse(z.object({ apiKey: z.string() }), "The new key"), ...errorResponses },
    }),
    async (c) => {
      const { accountId } = c.req.valid("param");
      await c.get("accounts").authorize(c.get("caller"), accountId);
      const apiKey = await c.get("accounts").rotateApiKey(accountId);
      return c.json({ apiKey }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/accounts/{accountId}/provision",
      summary: "Retry provisioning of a FAILED (or stuck PROVISIONING) account (operator token)",
      security: secured,
      request: { params: AccountIdParams },
      responses: { 202: jsonResponse(z.object({ account: AccountView }), "Provisioning again"), ...errorResponses },
    }),
    async (c) => {
      c.get("accounts").requireAdmin(c.get("caller"));
      const account = await c.get("accounts").retryProvisioning(c.req.valid("param").accountId);
      return c.json({ account: view(account) }, 202);
    },
  );

  return app;
}
