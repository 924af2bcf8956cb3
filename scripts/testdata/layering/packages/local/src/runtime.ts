import { fakeEngine } from "./testing/engine.ts";

export const runtimeEngine = fakeEngine;
