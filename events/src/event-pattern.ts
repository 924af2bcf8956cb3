/** An EventBridge event pattern, as the rule's EventPattern JSON. */
export type EventPattern = { [field: string]: EventPattern | readonly unknown[] };
