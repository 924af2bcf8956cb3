/** An example event as printed in AWS's documentation, with the page it was copied from. */
export type DocumentedSample = {
  page: string;
  text: string;
  /**
   * Literal replacements, applied in order, that turn a printed example into valid JSON.
   * Only for pages whose example is not valid JSON; each `from` must occur in `text`.
   */
  repairs?: readonly (readonly [from: string, to: string])[];
};

export type SampleEvent = { [field: string]: unknown; detail: Record<string, unknown> };

/** A fresh copy of the sample's event on every call, so a test may change it freely. */
export function sampleEvent(sample: DocumentedSample): SampleEvent {
  let text = sample.text;
  for (const [from, to] of sample.repairs ?? []) {
    if (!text.includes(from)) throw new Error(`Repair does not apply to the sample from ${sample.page}: ${from}`);
    text = text.replace(from, to);
  }
  const event: unknown = JSON.parse(text);
  if (typeof event !== "object" || event === null || !("detail" in event) || typeof event.detail !== "object")
    throw new Error(`The sample from ${sample.page} is not an EventBridge event`);
  return event as SampleEvent;
}
