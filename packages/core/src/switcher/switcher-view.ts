import type { AccountRepository } from "../accounts/account.ts";
import type { PathSignature, PlaybackSigner } from "../channels/playback.ts";
import type { Architecture } from "./architecture.ts";
import { type Bus, type IngestHealth, monitorPlaylistKey, type Switcher, type SwitcherEngine } from "./switcher.ts";

/** A bus's HLS playlist on the account's CDN, signed for a while (the local relay writes it). */
export type HlsMonitor = PathSignature & { kind: "hls"; hlsUrl: string };
/** A bus shown as the engine's stills (MediaConnect's source thumbnails), to fetch every `refreshMs` from the API. */
export interface ThumbnailMonitor {
  kind: "thumbnail";
  refreshMs: number;
}

/** TR 101 290 indicators MediaConnect raises on a connected source (ts_sync_loss, …), and since when: never a switch. */
export interface SourceWarnings {
  warnings: string[];
  warningsSince?: string;
}

export interface SwitcherView extends Switcher {
  ingests: (Architecture["ingests"][number] & { health: Omit<IngestHealth, "ingestId"> & SourceWarnings })[];
  monitors: Record<Bus, HlsMonitor | ThumbnailMonitor | null>;
}

/**
 * MediaConnect makes at most one thumbnail a second, often one every few seconds, and every fetch spends the account's
 * 5 MediaConnect requests a second that switches need: https://docs.aws.amazon.com/mediaconnect/latest/ug/monitor-with-thumbnails.html
 */
export const THUMBNAIL_REFRESH_MS = 3_000;

const NO_HEALTH = { connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null };

/** A switcher as the panel shows it: each ingest's health from the engine, and the buses' monitors signed for a while. */
export function switcherViews(deps: {
  accounts: Pick<AccountRepository, "get">;
  engine: Pick<SwitcherEngine, "health" | "thumbnail">;
  signer: PlaybackSigner;
  monitorTtlMs: number;
  now: () => Date;
}) {
  return async function view(switcher: Switcher): Promise<SwitcherView> {
    const account = await deps.accounts.get(switcher.accountId);
    const health = await deps.engine.health(switcher.id).catch(() => [] as IngestHealth[]);
    const expiresAt = new Date(deps.now().getTime() + deps.monitorTtlMs);
    const monitor = async (bus: Bus): Promise<HlsMonitor | ThumbnailMonitor | null> => {
      if (deps.engine.thumbnail) return { kind: "thumbnail", refreshMs: THUMBNAIL_REFRESH_MS };
      if (!account?.cdnBaseUrl || !switcher.architecture.outputs[bus].hlsMonitor) return null;
      const hlsUrl = `${account.cdnBaseUrl}/${monitorPlaylistKey(switcher.id, bus)}`;
      const signature = await deps.signer.signPath(switcher.accountId, `${account.cdnBaseUrl}/switchers/${switcher.id}/${bus}/*`, expiresAt);
      return { kind: "hls", hlsUrl, ...signature };
    };
    return {
      ...switcher,
      ingests: switcher.architecture.ingests.map((ingest) => {
        const found = health.find((candidate) => candidate.ingestId === ingest.id);
        const { ingestId: _, ...rest } = found ?? { ingestId: ingest.id, ...NO_HEALTH };
        const warnings = switcher.sourceHealth?.[ingest.id]?.warnings;
        return { ...ingest, health: { ...rest, warnings: warnings?.flags ?? [], ...(warnings && { warningsSince: warnings.since }) } };
      }),
      monitors: { live: await monitor("live"), preview: await monitor("preview") },
    };
  };
}
