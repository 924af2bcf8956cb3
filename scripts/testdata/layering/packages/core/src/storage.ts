import "@aws-sdk/client-s3";
import "node:child_process";
import "./nowhere.ts";
import { localStore } from "../../local/src/store.ts";

export const store = localStore;
