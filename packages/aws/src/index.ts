export * from "./dynamo/client.ts";
export * from "./dynamo/tables.ts";
export * from "./dynamo/account-repository.ts";
export * from "./dynamo/channel-repository.ts";
export * from "./dynamo/update.ts";
export * from "./playback-signer.ts";
export * from "./dynamo/recording-repository.ts";
export * from "./dynamo/media-repository.ts";
