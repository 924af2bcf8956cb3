import type { Architecture } from "./architecture.ts";
import type { Switcher, SwitcherSpec } from "./switcher.ts";

/** What the engine runs of a stored switcher. */
export const specOf = (switcher: Switcher, bucketName: string): SwitcherSpec => ({
  switcherId: switcher.id,
  accountId: switcher.accountId,
  bucketName,
  architecture: switcher.architecture,
  live: switcher.live,
  preview: switcher.preview,
});

/** The first ingest on air and the second on preview, or those of the old config that still exist. */
export function busesFor(architecture: Architecture, previous?: Pick<Switcher, "live" | "preview">) {
  const ids = architecture.ingests.map((ingest) => ingest.id);
  const keep = (id: string | undefined) => (id && ids.includes(id) ? id : undefined);
  return { live: keep(previous?.live) ?? ids[0], preview: keep(previous?.preview) ?? ids[1] ?? ids[0] };
}
