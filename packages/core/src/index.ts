export * from "./errors.ts";
export * from "./ports.ts";
export * from "./accounts/account.ts";
export * from "./accounts/accounts.ts";
export * from "./accounts/api-key.ts";
export * from "./accounts/authenticator.ts";
