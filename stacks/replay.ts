/** Keeps every event of the bus so that a day of traffic can be replayed (EventBridge StartReplay) after a fix. */
export function replayArchive(name: string, busArn: $util.Input<string>, retentionDays = 30) {
  return new aws.cloudwatch.EventArchive(name, {
    eventSourceArn: busArn,
    retentionDays,
    description: "Every VisionStream event, for replay",
  });
}
