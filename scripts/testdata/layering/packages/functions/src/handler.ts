import fc from "fast-check";
import { localStore } from "../../local/src/store.ts";

export const handlerStore = localStore;
export const anyKey = fc.string();
