import type { AccountRepository } from "../accounts/account.ts";
import type { PathSignature, PlaybackSigner } from "../channels/playback.ts";
import type { Architecture } from "./architecture.ts";
import { type Bus, type IngestHealth, monitorPlaylistKey, type Switcher, type SwitcherEngine } from "./switcher.ts";

export interface SwitcherView extends Switcher {
  ingests: (Architecture["ingests"][number] & { health: Omit<IngestHealth, "ingestId"> })[];
  monitors: Record<Bus, (PathSignature & { hlsUrl: string }) | null>;
}

const NO_HEALTH = { connected: false, bitrateKbps: 0, lastKeyframeAgeMs: null };

/** A switcher as the panel shows it: each ingest's health from the engine, and the buses' monitors signed for a while. */
export function switcherViews(deps: {
  accounts: Pick<AccountRepository, "get">;
  engine: Pick<SwitcherEngine, "health">;
  signer: PlaybackSigner;
  monitorTtlMs: number;
  now: () => Date;
}) {
  return async function view(switcher: Switcher): Promise<SwitcherView> {
    const account = await deps.accounts.get(switcher.accountId);
    const health = await deps.engine.health(switcher.id).catch(() => [] as IngestHealth[]);
    const expiresAt = new Date(deps.now().getTime() + deps.monitorTtlMs);
    const monitor = async (bus: Bus) => {
      if (!account?.cdnBaseUrl || !switcher.architecture.outputs[bus].hlsMonitor) return null;
      const hlsUrl = `${account.cdnBaseUrl}/${monitorPlaylistKey(switcher.id, bus)}`;
      const signature = await deps.signer.signPath(switcher.accountId, `${account.cdnBaseUrl}/switchers/${switcher.id}/${bus}/*`, expiresAt);
      return { hlsUrl, ...signature };
    };
    return {
      ...switcher,
      ingests: switcher.architecture.ingests.map((ingest) => {
        const found = health.find((candidate) => candidate.ingestId === ingest.id);
        const { ingestId: _, ...rest } = found ?? { ingestId: ingest.id, ...NO_HEALTH };
        return { ...ingest, health: rest };
      }),
      monitors: { live: await monitor("live"), preview: await monitor("preview") },
    };
  };
}
