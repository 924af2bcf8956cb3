import { NotFound } from "../errors.ts";
import type { Bus, MonitorThumbnail, SwitcherEngine, SwitcherRepository } from "./switcher.ts";

/** The engine has no still of the bus (yet): the answer names why it may be missing. */
export class ThumbnailNotReady extends NotFound {
  override name = "ThumbnailNotReady";
  constructor(switcherId: string, bus: Bus, reason: string) {
    super(`thumbnail of the ${bus} bus of switcher`, switcherId);
    this.message = `no thumbnail of the ${bus} bus of switcher ${switcherId}: ${reason}`;
  }
}

/** A bus's latest still, for the panel's monitors where the engine has no HLS (AWS). */
export function busThumbnails(deps: { switchers: Pick<SwitcherRepository, "get">; engine: Pick<SwitcherEngine, "thumbnail"> }) {
  return async function thumbnail(accountId: string, switcherId: string, bus: Bus): Promise<MonitorThumbnail> {
    if (!(await deps.switchers.get(accountId, switcherId))) throw new NotFound("switcher", switcherId);
    if (!deps.engine.thumbnail) throw new ThumbnailNotReady(switcherId, bus, "this runtime's monitors are HLS playlists (monitors.<bus>.hlsUrl)");
    const found = await deps.engine.thumbnail(switcherId, bus);
    if (!found) {
      throw new ThumbnailNotReady(switcherId, bus, "MediaConnect makes one only while the bus flow runs and receives video; try again in a few seconds");
    }
    return found;
  };
}
