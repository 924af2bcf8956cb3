/** The figures of the video sender's outbound-rtp statistics the page reads, at one instant. */
export interface OutboundVideo {
  /** Milliseconds, the report's clock. */
  timestamp: number;
  bytesSent: number;
  framesSent: number;
  frameWidth?: number;
  frameHeight?: number;
  /** "none", "cpu", "bandwidth" or "other": why the encoder sends less than it was asked. */
  qualityLimitationReason?: string;
}

export interface SendRates {
  /** Bit/s between two samples. */
  bitrate: number;
  framesPerSecond: number;
}

interface StatsEntry {
  type?: string;
  kind?: string;
  timestamp?: number;
  bytesSent?: number;
  framesSent?: number;
  frameWidth?: number;
  frameHeight?: number;
  qualityLimitationReason?: string;
}

/**
 * The video sender's outbound-rtp entry of a getStats() report (the values of an RTCStatsReport). With several
 * encodings (simulcast) the bytes and frames add up and the largest picture is shown; there is one here.
 */
export function outboundVideoOf(entries: Iterable<unknown>): OutboundVideo | undefined {
  let found: OutboundVideo | undefined;
  for (const raw of entries) {
    const entry = raw as StatsEntry;
    if (entry.type !== "outbound-rtp" || entry.kind !== "video") continue;
    const width = entry.frameWidth ?? 0;
    const larger = width > (found?.frameWidth ?? 0);
    found = {
      timestamp: entry.timestamp ?? found?.timestamp ?? 0,
      bytesSent: (found?.bytesSent ?? 0) + (entry.bytesSent ?? 0),
      framesSent: (found?.framesSent ?? 0) + (entry.framesSent ?? 0),
      ...(larger || !found ? { frameWidth: entry.frameWidth, frameHeight: entry.frameHeight } : { frameWidth: found.frameWidth, frameHeight: found.frameHeight }),
      qualityLimitationReason: entry.qualityLimitationReason ?? found?.qualityLimitationReason,
    };
  }
  return found;
}

/** The rates between two samples of the same sender; undefined when they cannot be told (no time passed, counters reset). */
export function sendRates(previous: OutboundVideo | undefined, current: OutboundVideo): SendRates | undefined {
  if (!previous) return undefined;
  const seconds = (current.timestamp - previous.timestamp) / 1000;
  const bytes = current.bytesSent - previous.bytesSent;
  const frames = current.framesSent - previous.framesSent;
  if (seconds <= 0 || bytes < 0 || frames < 0) return undefined;
  return { bitrate: (bytes * 8) / seconds, framesPerSecond: frames / seconds };
}

/** "3.4 Mb/s", "850 kb/s". */
export function formatBitrate(bitrate: number): string {
  return bitrate >= 1_000_000 ? `${(bitrate / 1_000_000).toFixed(1)} Mb/s` : `${Math.round(bitrate / 1000)} kb/s`;
}

/** "29.8 fps" */
export function formatFrameRate(framesPerSecond: number): string {
  return `${framesPerSecond.toFixed(1)} fps`;
}

const LIMITATIONS: Record<string, string> = {
  cpu: "limited by this computer's processor",
  bandwidth: "limited by the network",
  other: "limited by the browser",
};

/** Why the encoder sends less than asked, in words; "" when nothing limits it. */
export function describeLimitation(reason: string | undefined): string {
  return (reason && LIMITATIONS[reason]) || "";
}
