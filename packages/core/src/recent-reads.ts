export interface RecentReadsOptions {
  ttlMs: number;
  maxEntries?: number;
  now?: () => number;
}

/**
 * Answers read a moment ago, given again for `ttlMs` instead of reading again: for the lookups that every request
 * of a busy API repeats (whose key, which account, which channel). Callers get their own copy. `forget` drops
 * entries at once, and a read that was under way when something was forgotten keeps its answer to itself, so a
 * write made through the owner of the cache is never hidden by a read that raced it.
 */
export class RecentReads<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
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
    if (entry && entry.until > this.now()) return structuredClone(entry.value);
    if (entry) this.entries.delete(key);
    const forgetsBefore = this.forgets;
    const value = await load();
    if (value !== undefined && keep(value) && forgetsBefore === this.forgets) {
      if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, { value: structuredClone(value), until: this.now() + this.options.ttlMs });
    }
    return value;
  }

  /** Drops the entries `which` selects (by key and value), and keeps reads under way from storing theirs. */
  forget(which: (key: string, value: T) => boolean): void {
    this.forgets++;
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
