export * from "./visionstream.ts";
export * from "./patterns.ts";
export * from "./match.ts";
export * from "./aws/index.ts";
