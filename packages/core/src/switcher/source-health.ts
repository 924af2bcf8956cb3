import { type MediaConnectSourceHealth, sourceStateOf } from "@visionstream/events";
import { ingestOfFlowArn, type IngestSourceHealth, type Switcher, type SwitcherRepository } from "./switcher.ts";

/** States in which a source sends: the loss of such an ingest is over. */
const SENDING = new Set(["connected", "receiving"]);
/**
 * Only a disconnected source is lost. Idle is not: MediaConnect reports it for a source with nothing to do, such as the
 * source of a flow that is not running (STANDBY, or starting before its caller connects); cutting to the fallback then
 * would happen at every start of the switcher's flows, and a stopped flow is started again by the switcher itself.
 */
const LOST = "disconnected";

/** The TR 101 290 indicators raised in an event, by MediaConnect's names (ts_sync_loss, pcr_error, …). */
const raisedIndicators = (tr101: Record<string, unknown> | undefined) =>
  Object.entries(tr101 ?? {})
    .filter(([, raised]) => raised === true)
    .map(([name]) => name)
    .sort();

export interface SourceHealthDeps {
  switchers: Pick<SwitcherRepository, "findById">;
  /** Read, change, write with the version check (Switchers' own). */
  change(accountId: string, switcherId: string, apply: (switcher: Switcher) => Switcher): Promise<Switcher>;
  /** Puts `ingestId` on air for the reason "fallback", with `note`. */
  fallBack(switcher: Switcher, ingestId: string, note: string): Promise<unknown>;
}

/**
 * The reaction to "MediaConnect Source Health" of an ingest's flow, from any region (the others forward theirs to the
 * app's). A disconnected source is lost: when it is on air, the loss is kept and the fallback goes on air. TR 101 290
 * errors on a source that stays connected are kept as that ingest's warnings, never a reason to switch; an event that
 * raises none clears them. Events come late and out of order: one older than the ingest's last applied changes nothing.
 */
export function sourceHealthReaction(deps: SourceHealthDeps) {
  const isOlder = (stored: IngestSourceHealth | undefined, time: string) => stored !== undefined && Date.parse(stored.at) > Date.parse(time);

  return async function onSourceHealth(event: MediaConnectSourceHealth): Promise<void> {
    const flow = ingestOfFlowArn(event.resources[0] ?? "");
    if (!flow) return;
    const { ingestId } = flow;
    const found = await deps.switchers.findById(flow.switcherId);
    if (!found || !found.architecture.ingests.some((ingest) => ingest.id === ingestId)) return;
    if (isOlder(found.sourceHealth?.[ingestId], event.time)) return;

    const state = sourceStateOf(event.detail.current);
    const lost = state === LOST;
    const flags = lost ? [] : raisedIndicators(event.detail.current.tr101);
    /** The on-air loss after this event: kept, begun when the on-air source is lost, over once it sends again. */
    const lostAfter = (current: Switcher) => {
      const wasLost = current.liveIngestLost?.ingestId === ingestId;
      if (lost && current.live === ingestId) return wasLost ? current.liveIngestLost : { ingestId, since: event.time };
      return wasLost && SENDING.has(state) ? undefined : current.liveIngestLost;
    };
    let applied = true;
    // Nothing new (a repeated report, a TR 101 290 event that raises what is already shown): no write, so health
    // reports never contend with operators' writes.
    const known = found.sourceHealth?.[ingestId];
    const same = known?.state === state && (known.warnings?.flags ?? []).join() === flags.join() && lostAfter(found) === found.liveIngestLost;
    const stored = same ? found : await deps.change(found.accountId, found.id, (current) => {
      const previous = current.sourceHealth?.[ingestId];
      applied = !isOlder(previous, event.time);
      if (!applied) return current;
      const health: IngestSourceHealth = {
        at: event.time,
        state,
        ...(flags.length > 0 && { warnings: { flags, since: previous?.warnings?.since ?? event.time } }),
      };
      return { ...current, sourceHealth: { ...current.sourceHealth, [ingestId]: health }, liveIngestLost: lostAfter(current) };
    });
    // A repeated loss switches again: the delivery that stored it may have failed before its switch was made.
    if (!applied || !lost || stored.live !== ingestId) return;
    const fallback = stored.architecture.fallback;
    if (!fallback || fallback.to === ingestId) return;
    await deps.fallBack(stored, fallback.to, `ingest ${ingestId} was lost`);
  };
}
