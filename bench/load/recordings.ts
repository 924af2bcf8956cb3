import { newId } from "@visionstream/core";
import { activeAccount, type startTestRuntime } from "@visionstream/local/testing/runtime";
import { storeRecording } from "@visionstream/local/testing/tenants";
import type { Caller } from "./api-paced.ts";

/** Accounts made at the same time: each one's provisioning makes a key pair and a bucket. */
const ACCOUNTS_AT_ONCE = 10;

/**
 * `accounts` ACTIVE accounts with `perAccount` READY recordings each (stored directly, a small MP4 each), as callers
 * of their recordings' playback URLs.
 */
export async function recordingCallers(runtime: Awaited<ReturnType<typeof startTestRuntime>>, accounts: number, perAccount: number): Promise<Caller[]> {
  const callers: Caller[] = [];
  for (let first = 0; first < accounts; first += ACCOUNTS_AT_ONCE) {
    const batch = Array.from({ length: Math.min(ACCOUNTS_AT_ONCE, accounts - first) }, async (_, index) => {
      const { accountId, apiKey } = await activeAccount(runtime, `load ${first + index}`, 30_000);
      const { bucketName } = await runtime.accounts.get(accountId);
      const paths: string[] = [];
      for (let recording = 0; recording < perAccount; recording++)
        paths.push(`/recordings/${await storeRecording(runtime, accountId, bucketName!, newId("channel"))}/playback`);
      return { apiKey, paths };
    });
    callers.push(...(await Promise.all(batch)));
  }
  return callers;
}
