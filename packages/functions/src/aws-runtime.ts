import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { documentClient, dynamoClient } from "@visionstream/aws";
import { EventBridgePublisher } from "@visionstream/aws/eventbridge/event-publisher";
import type { AdapterFactory, AwsContext } from "./aws-adapters/context.ts";
import { readAwsConfig } from "./config.ts";
import { domain, type DomainOptions, type RuntimeAdapters } from "./domain.ts";
import { type FunctionName, functionPorts, type Port, type PortsOf } from "./function-adapters.ts";

/** The adapters a function's entry file hands over: those of its FunctionAdapters entry (function-adapters.ts). */
export type FunctionWiring<N extends FunctionName> = { [P in PortsOf<N>]: AdapterFactory<P> };
/** No other: a factory the entry is not granted is refused too (TypeScript checks no excess property against `{}`). */
export type OnlyGranted<N extends FunctionName, W> = W & Record<Exclude<keyof W, PortsOf<N>>, never>;

/** Port (function-adapters.ts) and RuntimeAdapters name the same ports. */
type SamePorts = [Port] extends [Exclude<keyof RuntimeAdapters, "publisher">] ? ([Exclude<keyof RuntimeAdapters, "publisher">] extends [Port] ? true : never) : never;
const samePorts: SamePorts = true;
void samePorts;

/**
 * The domain wired to AWS adapters, once per Lambda container. A function wires the adapters it is granted and no
 * others: each adapter's module brings its AWS clients into the bundle, and a port left out fails by name if reached.
 */
export function awsRuntime<N extends FunctionName, W extends FunctionWiring<N>>(name: N, wiring: OnlyGranted<N, W>, options: Pick<DomainOptions, "broadcastSecret"> = {}) {
  const config = readAwsConfig();
  const region = config.AWS_REGION;
  const dynamo = dynamoClient({ region });
  const factories = wiring as Partial<{ [P in Port]: AdapterFactory<P> }>;
  const wired = domain(
    documentClient(dynamo),
    config.VISIONSTREAM_TABLE,
    (repositories) => {
      const context: AwsContext = { config, dynamo, repositories };
      const adapters = functionPorts<Omit<RuntimeAdapters, "publisher">>(name, (port) => {
        const factory = factories[port];
        if (!factory) throw new Error(`the ${name} function's entry file does not wire ${port}, which FunctionAdapters.${name} grants`);
        return factory(context);
      });
      return { publisher: new EventBridgePublisher({ client: new EventBridgeClient({ region }), busName: config.VISIONSTREAM_BUS }), ...adapters };
    },
    { idleStopAfterMs: config.VISIONSTREAM_IDLE_STOP_MINUTES * 60_000, ...options },
  );
  return { config, ...wired, idempotency: { tableName: config.VISIONSTREAM_IDEMPOTENCY_TABLE, client: dynamo } };
}
