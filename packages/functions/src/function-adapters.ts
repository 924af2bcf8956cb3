import type { RuleName } from "@visionstream/events";
import type { ApiFunctionName } from "./api-routes.ts";

/**
 * The AWS adapters (packages/aws) a function can drive, beyond the table and the bus that every function has. Each has
 * its grants in stacks/function-permissions.ts, and its code in stacks/iam-adapter-sources.ts.
 */
export const ADAPTERS = [
  "liveEngine",
  "accountProvisioning",
  "accountDeprovisioning",
  "vodAssembly",
  "recordingStore",
  "playbackSigning",
  "mediaStore",
  "switcherEngine",
  "switchSchedule",
  "switcherFiles",
] as const;

export type Adapter = (typeof ADAPTERS)[number];

/** Every Lambda function of the stage: the API's (api-routes.ts), one per rule, the schedules, and the scheduled switch. */
export type FunctionName = ApiFunctionName | RuleName | "stopIdleChannels" | "resumePendingWork" | "scheduledSwitch";

/**
 * Which adapters each function's code drives. Its grants are built from this (stacks/function-permissions.ts) and
 * checked against the code it runs (stacks/function-reach.test.ts), and its entry file wires these adapters and no
 * others (aws-runtime.ts), so that its bundle carries only the AWS clients it may call.
 */
export const FunctionAdapters = {
  // The API's functions (api-routes.ts): accounts and the broadcast page's status, then the channels' commands (the
  // steps drive the engine), the routes that answer from the live engine, recordings, media and switchers.
  api: [],
  apiChannels: [],
  apiLiveEngine: ["liveEngine", "playbackSigning"],
  apiRecordings: ["vodAssembly", "recordingStore", "playbackSigning"],
  apiMedia: ["mediaStore", "playbackSigning"],
  apiSwitchers: ["switcherEngine", "switchSchedule", "playbackSigning"],
  provisionAccount: ["accountProvisioning"],
  // Deleting an account is three reactions in turn: its channels' MediaLive and MediaPackage resources, its switchers'
  // flows and lineups, then its CDN, bucket access and signing key.
  releaseAccountChannels: ["liveEngine"],
  releaseAccountSwitchers: ["switcherEngine", "switchSchedule"],
  deprovisionAccount: ["accountDeprovisioning"],
  channelStateChanged: ["liveEngine"],
  channelAlert: [],
  channelStep: ["liveEngine"],
  recordingSegmentCreated: [],
  recordingSessionEnded: ["vodAssembly"],
  recordingJobChanged: ["recordingStore"],
  recordingGapDetected: [],
  switcherSourceHealth: ["switcherEngine"],
  // Writes the architecture file it applies to the account's bucket.
  switcherApply: ["switcherEngine", "switcherFiles"],
  // Both only ask for an apply (SwitcherApplyRequested): the table and the bus.
  switcherStackDeployed: [],
  switcherFlowStandby: [],
  // Records a stop and publishes its step: channelStep drives the engine.
  stopIdleChannels: [],
  // Republishes the step events of work still pending: the table and the bus only.
  resumePendingWork: [],
  scheduledSwitch: ["switcherEngine"],
} as const satisfies Record<FunctionName, readonly Adapter[]>;

/** The domain's ports that stand on AWS services other than the table and the bus (domain.ts RuntimeAdapters; aws-runtime.ts checks that they are the same). */
export type Port = "infrastructure" | "signer" | "engine" | "assembler" | "store" | "uploads" | "switcherEngine" | "scheduler";

const EVERY_PORT = { infrastructure: true, signer: true, engine: true, assembler: true, store: true, uploads: true, switcherEngine: true, scheduler: true } satisfies Record<Port, true>;
export const PORTS = Object.keys(EVERY_PORT) as Port[];

/** The ports through which each adapter's code is reached. */
export const ADAPTER_PORTS = {
  liveEngine: ["engine"],
  accountProvisioning: ["infrastructure"],
  accountDeprovisioning: ["infrastructure"],
  vodAssembly: ["assembler"],
  recordingStore: ["store"],
  playbackSigning: ["signer"],
  mediaStore: ["uploads", "store"],
  switcherEngine: ["switcherEngine"],
  switchSchedule: ["scheduler"],
  switcherFiles: ["store"],
} as const satisfies Record<Adapter, readonly Port[]>;

/** The ports a function's entry file wires: those of its adapters. */
export type PortsOf<N extends FunctionName> = (typeof ADAPTER_PORTS)[(typeof FunctionAdapters)[N][number]][number];

export function portsOf(name: FunctionName): Set<Port> {
  return new Set(FunctionAdapters[name].flatMap((adapter: Adapter) => ADAPTER_PORTS[adapter]));
}

/** A function's code reached a port its entry file does not wire: FunctionAdapters lacks the adapter behind it. */
export class PortNotWired extends Error {
  override name = "PortNotWired";
  constructor(functionName: FunctionName, port: Port, member: string) {
    super(`the ${functionName} function used ${port}.${member}, which it does not wire: FunctionAdapters.${functionName} lacks its adapter (packages/functions/src/function-adapters.ts)`);
  }
}

/** Members that awaiting, JSON and inspection look up on any object: asking for them is not using the port. */
const NOT_A_USE = new Set(["then", "toJSON", "constructor", "asymmetricMatch", "$$typeof", "nodeType"]);

/**
 * What stands in a function's domain for a port it does not wire: the services are built whole, and a use of this
 * port (a call, which AWS would refuse for want of grants, or a look at a member) fails at once, naming the function
 * and the port.
 */
export function notWired<T extends object>(functionName: FunctionName, port: Port): T {
  return new Proxy({} as T, {
    get(_target, member) {
      // Not a thenable, and nothing to see for inspection or a test's matchers; any other member is a use of the port,
      // a look at one too (`if (engine.thumbnail)`: a stand-in function there would answer yes, wrongly).
      if (typeof member !== "string" || NOT_A_USE.has(member)) return undefined;
      throw new PortNotWired(functionName, port, member);
    },
  });
}

/**
 * A function's ports: those of its adapters made by `make` (and only those: a port left out is never made), the others
 * standing in by notWired.
 */
export function functionPorts<A extends { [P in Port]: object }>(functionName: FunctionName, make: <P extends Port>(port: P) => A[P]): A {
  const granted = portsOf(functionName);
  return Object.fromEntries(PORTS.map((port) => [port, granted.has(port) ? make(port) : notWired(functionName, port)])) as A;
}
