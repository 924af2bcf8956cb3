import { keyPeriod, periodKey } from "@visionstream/core/keys/content-keys";
import { logger } from "../logger.ts";
import { cmafPublisher } from "./cmaf-publisher.ts";
import { type HlsTsPublisherOptions, hlsTsPublisher } from "./hls-ts-publisher.ts";
import { coalesced } from "../coalesced.ts";

/** See HlsTsPublisherOptions: the channel's clear output (sourceDir, never served) published encrypted into liveDir. */
export interface PackagerOptions extends Omit<HlsTsPublisherOptions, "now" | "onError"> {
  now?: () => Date;
  onError?: (error: unknown) => void;
  /** Safety net under the file watchers (a watcher that missed an event, a directory made after the start). */
  pollIntervalMs?: number;
}

export interface EncryptingPackager {
  /** One pass over the source; resolves when what it holds now is published. */
  scan(): Promise<void>;
  /** Publishes what is left, then stops watching. */
  close(): Promise<void>;
}

/**
 * The local twin of MediaPackage's encryption: follows the channel's clear output and publishes it encrypted, HLS-TS
 * in AES-128 with keys that change every keyRotationSeconds, CMAF in CENC with the key of the run's first period.
 * Nothing clear is ever written under liveDir; the source is only read.
 */
export function startEncryptingPackager(options: PackagerOptions): EncryptingPackager {
  const { sourceDir, liveDir, channelId, secret, keyRotationSeconds, renditions, pollIntervalMs = 250 } = options;
  const now = options.now ?? (() => new Date());
  // The error, never a key: no key is ever part of one.
  const onError = options.onError ?? ((error: unknown) => logger.error("encrypting packager", { error: error as Error }));
  const hls = hlsTsPublisher({ sourceDir, liveDir, channelId, secret, keyRotationSeconds, renditions, now, onError });
  const cmafKey = periodKey(secret, channelId, keyPeriod(now(), keyRotationSeconds));
  const cmaf = cmafPublisher({ sourceDir, liveDir, key: cmafKey, onError });
  let closed = false;

  const scan = coalesced(async () => {
    if (!closed) hls.watch(() => void scan());
    await Promise.all([hls.pass(), cmaf.pass()]);
  });

  const poll = setInterval(() => void scan(), pollIntervalMs);
  poll.unref();
  void scan();

  return {
    scan,
    async close() {
      closed = true;
      clearInterval(poll);
      hls.unwatch();
      await scan();
      await cmaf.close();
    },
  };
}
