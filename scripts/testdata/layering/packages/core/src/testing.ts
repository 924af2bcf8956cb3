import { localStore } from "../../local/src/store.ts";

export const testStore = localStore;
