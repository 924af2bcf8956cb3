import { load } from "../../../bench/load.ts";

export const localStore = new Map<string, number>([["load", load]]);
