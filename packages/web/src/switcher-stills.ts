import type { ThumbnailMonitorView } from "./switcher-model.ts";

/** What the stills report: the first picture is loading, a picture is shown, or none could be had (with why). */
export type StillsStatus = "loading" | "still" | "retrying";

/**
 * A bus shown as stills (MediaConnect's source thumbnails in AWS): the latest JPEG fetched from the API every
 * `refreshMs`, shown once decoded, so the picture never goes blank between two stills. A missing one (404 while the
 * bus flow has no picture) or a failed fetch keeps the last picture and is tried again at the next tick.
 */
export class Stills {
  private url: string | undefined;
  private refreshMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private objectUrl: string | undefined;
  /** Bumped by every change of view: a fetch of an older one is dropped. */
  private generation = 0;

  constructor(
    private readonly image: HTMLImageElement,
    /** The JPEG at the API path `url`; undefined while there is none yet. */
    private readonly fetchStill: (url: string) => Promise<Blob | undefined>,
    private readonly onStatus: (status: StillsStatus, detail?: string) => void,
  ) {}

  get showing(): boolean {
    return this.url !== undefined;
  }

  show(view: ThumbnailMonitorView | null): void {
    if (!view) {
      this.stop();
      return;
    }
    if (view.thumbnailUrl === this.url && view.refreshMs === this.refreshMs) return;
    const first = this.url === undefined;
    this.url = view.thumbnailUrl;
    this.refreshMs = view.refreshMs;
    clearTimeout(this.timer);
    this.generation += 1;
    if (first) this.onStatus("loading");
    void this.refresh(this.generation);
  }

  private async refresh(generation: number): Promise<void> {
    const url = this.url;
    if (url === undefined) return;
    const current = () => generation === this.generation;
    try {
      const blob = await this.fetchStill(url);
      if (!current()) return;
      if (!blob) {
        this.onStatus("retrying", "no thumbnail yet: the bus flow has no picture");
      } else {
        const next = URL.createObjectURL(blob);
        const loaded = new Image();
        loaded.src = next;
        await loaded.decode();
        if (!current()) {
          URL.revokeObjectURL(next);
          return;
        }
        this.image.src = next;
        if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
        this.objectUrl = next;
        this.image.hidden = false;
        this.onStatus("still", `a still every ${Math.round(this.refreshMs / 1000)} s`);
      }
    } catch (error) {
      if (current()) this.onStatus("retrying", (error as Error).message);
    } finally {
      if (current()) this.timer = setTimeout(() => void this.refresh(generation), this.refreshMs);
    }
  }

  private stop(): void {
    this.generation += 1;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.url = undefined;
    this.image.hidden = true;
    this.image.removeAttribute("src");
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
    this.objectUrl = undefined;
  }
}
