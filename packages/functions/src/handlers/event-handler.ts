import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { parser } from "@aws-lambda-powertools/parser/middleware";
import type { InferOutput } from "@aws-lambda-powertools/parser/types";
import middy, { type MiddlewareObj } from "@middy/core";
import type { z } from "zod";
import { logger } from "../logger.ts";

type Reaction<S extends z.ZodType> = (event: InferOutput<S>) => Promise<void>;

/**
 * One function's middy chain: the Lambda context in every log line, then `once` when given (idempotency, which must see
 * the raw event), then the event parsed by `schema` (none for an event that carries nothing to read), then `react`.
 */
export function eventHandler<S extends z.ZodType>(schema: S | null, ...rest: [react: Reaction<S>] | [once: MiddlewareObj, react: Reaction<S>]) {
  const [before, react] = rest.length === 1 ? [[], rest[0]] : [[rest[0]], rest[1]];
  const chain = middy<InferOutput<S>>().use(injectLambdaContext(logger)).use(before);
  return (schema ? chain.use(parser({ schema })) : chain).handler(react);
}
