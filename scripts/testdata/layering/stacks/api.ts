import { localStore } from "../packages/local/src/store.ts";

export const apiStore = localStore;
