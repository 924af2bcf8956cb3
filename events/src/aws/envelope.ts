import { EventBridgeSchema } from "@aws-lambda-powertools/parser/schemas/eventbridge";
import { z } from "zod";
import type { EventPattern } from "../event-pattern.ts";

/** An AWS service's event as EventBridge delivers it: the envelope, with the service's source, one detail-type and its detail. */
export const awsEvent = <Source extends string, DetailType extends string, Detail extends z.ZodType>(
  source: Source,
  detailType: DetailType,
  detail: Detail,
) => EventBridgeSchema.extend({ source: z.literal(source), "detail-type": z.literal(detailType), detail });

type AwsEvent<Source extends string, DetailType extends string> = {
  shape: { source: z.ZodLiteral<Source>; "detail-type": z.ZodLiteral<DetailType> };
};

/** The rule pattern that routes every event of that schema: its source and detail-type. */
export const awsEventPattern = <Source extends string, DetailType extends string>(event: AwsEvent<Source, DetailType>) =>
  ({ source: [event.shape.source.value], "detail-type": [event.shape["detail-type"].value] }) as const satisfies EventPattern;
