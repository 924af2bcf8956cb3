export interface RecentReadsOptions {
  /** An answer is never given more than this long after it was read. */
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
  /**
   * Reads again in the background from a point between a quarter and half of ttlMs that depends on the key, rather
   * than from half for every key: many answers read together (a cache filled by a burst of requests) are then not all
   * read again together, in a second burst, ttlMs / 2 later. (Earlier, not later: an answer asked for now and then
   * keeps its chance of being read again before it expires.)
   */
  spreadRefreshes?: boolean;
}

/** Where between ttlMs / 4 and ttlMs / 2 a key's answer is read again when refreshes are spread: FNV-1a of the key. */
function refreshFraction(key: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) hash = Math.imul(hash ^ key.charCodeAt(index), 0x01000193);
  return 0.25 + 0.25 * ((hash >>> 0) / 0x1_0000_0000);
}

interface Entry<T> {
  value: T;
  /** From then on, a read gives this answer and reads a new one in the background. */
  refreshAt: number;
  until: number;
}

/**
 * Answers read a moment ago, given again instead of reading again: for the lookups that every request of a busy API
 * repeats (whose key, which account, which channel). An answer is given for at most `ttlMs` after it was read; from
 * half of that on (or sooner: `spreadRefreshes`) it is read again in the background, so a steady stream of requests
 * never waits for the database,
 * and requests that find nothing kept share one read. Callers get their own copy.
 *
 * `forget` drops entries at once, and a read under way when something was forgotten keeps its answer to itself, so
 * a write made through the owner of the cache is never hidden by a read that raced it.
 */
export class RecentReads<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly loading = new Map<string, { startedAt: number; answer: Promise<T | undefined> }>();
  private forgets = 0;
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: RecentReadsOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  /** The kept answer for `key`, or `load()`'s, which is kept when it is defined and `keep` accepts it. */
  read(key: string, load: () => Promise<T>, keep?: (value: T) => boolean): Promise<T>;
  read(key: string, load: () => Promise<T | undefined>, keep?: (value: T) => boolean): Promise<T | undefined>;
  async read(key: string, load: () => Promise<T | undefined>, keep: (value: T) => boolean = () => true): Promise<T | undefined> {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && entry.until > now) {
      if (entry.refreshAt <= now && !this.joinable(key, now)) this.load(key, load, keep).catch(() => undefined);
      return structuredClone(entry.value);
    }
    if (entry) this.entries.delete(key);
    const value = await (this.joinable(key, now)?.answer ?? this.load(key, load, keep));
    return value === undefined ? value : structuredClone(value);
  }

  /** The read of `key` under way, if it began less than ttlMs ago (a read held up, as by a frozen Lambda, is not). */
  private joinable(key: string, now: number) {
    const loading = this.loading.get(key);
    return loading && now - loading.startedAt < this.options.ttlMs ? loading : undefined;
  }

  /**
   * One read of `key` at a time; its answer is kept unless something was forgotten meanwhile, and counts from when
   * the read began, so it is never given more than ttlMs after the database was asked.
   */
  private load(key: string, load: () => Promise<T | undefined>, keep: (value: T) => boolean): Promise<T | undefined> {
    const forgetsBefore = this.forgets;
    const startedAt = this.now();
    const answer = load().then(
      (value) => {
        if (this.loading.get(key) === loading) this.loading.delete(key);
        if (forgetsBefore !== this.forgets) return value;
        this.entries.delete(key);
        if (value === undefined || !keep(value) || startedAt + this.options.ttlMs <= this.now()) return value;
        if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
        const refreshAfter = this.options.ttlMs * (this.options.spreadRefreshes ? refreshFraction(key) : 0.5);
        this.entries.set(key, { value: structuredClone(value), refreshAt: startedAt + refreshAfter, until: startedAt + this.options.ttlMs });
        return value;
      },
      (error: unknown) => {
        if (this.loading.get(key) === loading) this.loading.delete(key);
        throw error;
      },
    );
    const loading = { startedAt, answer };
    this.loading.set(key, loading);
    return answer;
  }

  /** Drops the entries `which` selects (by key and value); reads under way keep their answers to themselves. */
  forget(which: (key: string, value: T) => boolean): void {
    this.forgets++;
    this.loading.clear();
    for (const [key, entry] of this.entries) if (which(key, entry.value)) this.entries.delete(key);
  }

  /** Runs a write, forgetting what it touches before and after it. */
  async writing<R>(which: (key: string, value: T) => boolean, write: () => Promise<R>): Promise<R> {
    this.forget(which);
    try {
      return await write();
    } finally {
      this.forget(which);
    }
  }
}
