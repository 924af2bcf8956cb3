import type { Session } from "./session.ts";

export interface Channel {
  session?: Session;
}
