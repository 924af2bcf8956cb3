/**
 * One run at a time of an async pass; calls made while it runs share the single run that follows it, so a burst of
 * file events costs at most two passes.
 */
export function coalesced(pass: () => Promise<void>): () => Promise<void> {
  let tail: Promise<void> = Promise.resolve();
  let queued: Promise<void> | null = null;
  return () => {
    if (queued) return queued;
    const next = tail.then(() => {
      queued = null;
      return pass();
    });
    queued = next;
    tail = next.catch(() => {});
    return next;
  };
}
