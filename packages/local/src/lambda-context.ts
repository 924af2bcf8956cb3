import { randomUUID } from "node:crypto";
import type { Context } from "aws-lambda";
import { LOCAL_AWS_ACCOUNT, LOCAL_REGION } from "./eventbridge/bus.ts";

/** What Lambda hands a function, for calling the very same handlers in-process. */
export function lambdaContext(functionName: string): Context {
  // The stack gives the bus's functions a 1-minute timeout. Powertools idempotency takes an "in progress" record that a
  // failed run could not remove as abandoned after that long, so a retry of the same event can run it again.
  const deadline = Date.now() + 60_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_AWS_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: "1024",
    awsRequestId: randomUUID(),
    logGroupName: `/visionstream/local/${functionName}`,
    logStreamName: "local",
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type LambdaHandler<E> = (event: E, context: Context, options: { signal: AbortSignal }) => unknown;

/** Subscribes a Lambda handler to the bus: it gets the raw event and parses it itself, as in Lambda. */
export function invokeAsLambda<E>(functionName: string, handler: LambdaHandler<E>) {
  return async (event: unknown): Promise<unknown> =>
    handler(event as E, lambdaContext(functionName), { signal: new AbortController().signal });
}
