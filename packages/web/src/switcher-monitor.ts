import Hls, { type HlsConfig } from "hls.js";
import { signerFor } from "./signed-url.ts";
import type { MonitorView } from "./switcher-model.ts";
import { Stills } from "./switcher-stills.ts";

/** Close to the live edge: a monitor is for seeing what goes out now, not for smooth viewing. */
const LOW_LATENCY: Partial<HlsConfig> = {
  lowLatencyMode: true,
  liveSyncDurationCount: 2,
  liveMaxLatencyDurationCount: 4,
  maxLiveSyncPlaybackRate: 1.5,
  maxBufferLength: 6,
  backBufferLength: 4,
};

const RETRY_MS = [1_000, 2_000, 4_000];
/** A monitor whose picture has not moved for this long is reattached. */
const STALL_MS = 8_000;

export type MonitorStatus = "off" | "loading" | "playing" | "retrying" | "still";

/**
 * One bus monitor: an HLS playlist on the account's CDN, every request signed with the monitor's query
 * (re-read on each request, so a renewed signature applies at once). Reloads when the playlist changes,
 * and reattaches after a fatal error or a stall, for as long as the page is open. Where the API gives stills instead
 * (AWS: MediaConnect's thumbnails, no HLS), the picture is the latest still, refreshed every few seconds.
 */
export class Monitor {
  private hls: Hls | undefined;
  private url: string | undefined;
  private query = "";
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private lastTime = 0;
  private lastMovedAt = 0;
  private readonly stills: Stills;

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly onStatus: (status: MonitorStatus, detail?: string) => void,
    still: { image: HTMLImageElement; fetch: (url: string) => Promise<Blob | undefined> },
  ) {
    this.stills = new Stills(still.image, still.fetch, onStatus);
    video.muted = true;
    video.playsInline = true;
    video.addEventListener("playing", () => onStatus("playing"));
    setInterval(() => this.watchForStall(), 1_000);
  }

  show(view: MonitorView | null): void {
    if (view?.kind === "thumbnail") {
      if (this.url !== undefined) this.stop();
      this.video.hidden = true;
      this.stills.show(view);
      return;
    }
    const hadStills = this.stills.showing;
    this.stills.show(null);
    this.video.hidden = false;
    if (!view) {
      if (this.url !== undefined) this.stop();
      else if (hadStills) this.onStatus("off");
      return;
    }
    this.query = view.query;
    if (view.hlsUrl === this.url) return;
    this.url = view.hlsUrl;
    this.retries = 0;
    this.attach();
  }

  private sign(url: string): string {
    return this.url === undefined ? url : signerFor(this.url, this.query)(url);
  }

  private attach(): void {
    this.detach();
    const source = this.url;
    if (source === undefined) return;
    this.onStatus("loading");
    this.lastMovedAt = performance.now();
    if (!Hls.isSupported()) {
      // Safari on iOS: only the first playlist carries the signature, the rest needs signed cookies.
      this.video.src = this.sign(source);
      void this.video.play().catch(() => undefined);
      return;
    }
    const hls = new Hls({
      ...LOW_LATENCY,
      xhrSetup: (xhr, url) => {
        xhr.open("GET", this.sign(url), true);
        xhr.withCredentials = true;
      },
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => void this.video.play().catch(() => undefined));
    hls.on(Hls.Events.FRAG_BUFFERED, () => (this.retries = 0));
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      const code = data.response?.code;
      const detail = `${data.details}${code ? ` (HTTP ${code})` : ""}`;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR && this.retries === 0) {
        this.retries += 1;
        hls.recoverMediaError();
        return;
      }
      this.retryLater(detail);
    });
    hls.loadSource(source);
    hls.attachMedia(this.video);
    this.hls = hls;
  }

  private retryLater(detail: string): void {
    this.detach();
    const delay = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)]!;
    this.retries += 1;
    this.onStatus("retrying", detail);
    this.retryTimer = setTimeout(() => this.attach(), delay);
  }

  private watchForStall(): void {
    if (this.url === undefined || this.retryTimer !== undefined) return;
    const now = performance.now();
    if (this.video.currentTime !== this.lastTime) {
      this.lastTime = this.video.currentTime;
      this.lastMovedAt = now;
    } else if (now - this.lastMovedAt > STALL_MS) {
      this.retryLater("the picture stopped");
    }
  }

  private detach(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.hls?.destroy();
    this.hls = undefined;
    this.video.removeAttribute("src");
    this.video.load();
  }

  private stop(): void {
    this.detach();
    this.url = undefined;
    this.onStatus("off");
  }
}
