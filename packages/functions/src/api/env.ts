import type { Accounts, Caller, Channels, MediaLibrary, Recordings, Switchers } from "@visionstream/core";

/** What the authentication middleware sets on every request, for the route files (in a file of its own: no import circle). */
export type ApiEnv = { Variables: { caller: Caller; accounts: Accounts; channels: Channels; recordings: Recordings; media: MediaLibrary; switchers: Switchers } };
