export * from "./medialive.ts";
export * from "./s3.ts";
export * from "./mediaconvert.ts";
export * from "./mediaconnect.ts";
export * from "./cloudformation.ts";
export * from "./switcher-forwarding.ts";
