import { handlerStore } from "../../functions/src/handler.ts";

export const adapterStore = handlerStore;
