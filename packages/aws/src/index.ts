export * from "./dynamo/client.ts";
export * from "./dynamo/tables.ts";
export * from "./dynamo/account-repository.ts";
