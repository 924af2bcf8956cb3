import {
  DescribeFlowCommand,
  ListFlowsCommand,
  MediaConnectClient,
  TooManyRequestsException,
  UpdateFlowSourceCommand,
  type Flow,
} from "@aws-sdk/client-mediaconnect";
import { parseArchitecture, type Architecture } from "@visionstream/core/switcher/architecture";
import { busFlowName, flowName, type Bus } from "@visionstream/core/switcher/switcher";
import "aws-sdk-client-mock-vitest/extend";
import { DeleteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { documentClient } from "../dynamodb/client.ts";
import { startTestTables, type TestTables } from "../dynamodb/testing.ts";
import { MonitoringDeferred } from "./requests.ts";
import { DynamoRequestBudget, type SharedLimitsTable } from "./shared-limits.ts";
import { AwsSwitcherEngine, type AwsSwitcherEngineOptions } from "./switcher-engine.ts";
import { command, metadata, mockMediaConnect } from "./testing.ts";

const mediaconnect = mockMediaConnect();

const TABLE = "shared-limits-test";
const REGION = "eu-west-1";
const SWITCHERS = ["sw-0123456789abcde1", "sw-0123456789abcde2"];
const INGESTS = ["cam-a", "cam-b"];
const BUSES: Bus[] = ["live", "preview"];

const parsed = parseArchitecture({
  name: "two cameras",
  regions: [{ id: REGION, name: "Ireland" }],
  ingests: INGESTS.map((id, index) => ({
    id,
    name: id,
    region: REGION,
    protocol: "srt-listener",
    port: 9001 + index,
    passphraseSecret: `studio/${id}`,
    allowCidr: "203.0.113.0/24",
    maxBitrateKbps: 20000,
  })),
  outputs: { live: { protocol: "srt-listener", port: 9101 }, preview: { protocol: "srt-listener", port: 9102 } },
});
if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
const architecture: Architecture = parsed.architecture;

const arnOf = (name: string) => `arn:aws:mediaconnect:${REGION}:111122223333:flow:1-${name.length}:${name}`;
const addressOf = (switcherId: string, ingestId: string) => `10.0.${SWITCHERS.indexOf(switcherId) + 1}.${INGESTS.indexOf(ingestId) + 11}`;

/** MediaConnect as the switchers' flows see it: each bus flow keeps the listener it was last pointed at. */
class FakeMediaConnect {
  readonly requests: { at: number; operation: string }[] = [];
  readonly updates: { at: number; flowArn: string; address: string }[] = [];
  readonly pointedAt = new Map<string, string>();
  throttleNextUpdates = 0;

  install(): void {
    mediaconnect.reset();
    mediaconnect.on(command(ListFlowsCommand)).callsFake(() => this.answer("ListFlows", { Flows: this.listed() }));
    mediaconnect.on(command(DescribeFlowCommand)).callsFake((input: { FlowArn: string }) => this.answer("DescribeFlow", { Flow: this.flow(input.FlowArn) }));
    mediaconnect.on(command(UpdateFlowSourceCommand)).callsFake((input: { FlowArn: string; SourceListenerAddress: string }) => {
      const answer = this.answer("UpdateFlowSource", { FlowArn: input.FlowArn });
      if (this.throttleNextUpdates > 0) {
        this.throttleNextUpdates--;
        throw new TooManyRequestsException({ message: "Too many requests", Message: "Too many requests", ...metadata });
      }
      this.updates.push({ at: Date.now(), flowArn: input.FlowArn, address: input.SourceListenerAddress });
      this.pointedAt.set(input.FlowArn, input.SourceListenerAddress);
      return answer;
    });
  }

  private answer<T extends object>(operation: string, output: T): T & typeof metadata {
    this.requests.push({ at: Date.now(), operation });
    return { ...output, ...metadata };
  }

  private listed() {
    return SWITCHERS.flatMap((switcherId) => [
      ...INGESTS.map((ingestId) => flowName(switcherId, ingestId)),
      ...BUSES.map((bus) => busFlowName(switcherId, bus)),
    ]).map((Name) => ({ Name, FlowArn: arnOf(Name), Status: "ACTIVE", AvailabilityZone: `${REGION}a`, Description: "", SourceType: "OWNED" }));
  }

  private flow(flowArn: string): Flow {
    const vpcInterfaces = [{ Name: "switcher", NetworkInterfaceIds: ["eni-1"], NetworkInterfaceType: "ena" as const, RoleArn: "arn:aws:iam::111122223333:role/mc", SecurityGroupIds: ["sg-1"], SubnetId: "subnet-1" }];
    for (const switcherId of SWITCHERS) {
      for (const [index, ingestId] of INGESTS.entries()) {
        if (flowArn !== arnOf(flowName(switcherId, ingestId))) continue;
        return {
          FlowArn: flowArn,
          Name: flowName(switcherId, ingestId),
          AvailabilityZone: `${REGION}a`,
          Status: "ACTIVE",
          Entitlements: [],
          Source: { Name: "ingest", SourceArn: `${flowArn}:source`, Transport: { Protocol: "srt-listener" } },
          VpcInterfaces: vpcInterfaces,
          Outputs: [
            {
              Name: "switcher",
              OutputArn: `${flowArn}:output`,
              Port: 9001 + index,
              ListenerAddress: addressOf(switcherId, ingestId),
              Transport: { Protocol: "srt-listener" },
              VpcInterfaceAttachment: { VpcInterfaceName: "switcher" },
            },
          ],
        };
      }
    }
    const pointedAt = this.pointedAt.get(flowArn);
    return {
      FlowArn: flowArn,
      Name: "bus",
      AvailabilityZone: `${REGION}a`,
      Status: "ACTIVE",
      Entitlements: [],
      Outputs: [],
      VpcInterfaces: vpcInterfaces,
      Source: pointedAt
        ? { Name: "ingest", SourceArn: `${flowArn}:source`, VpcInterfaceName: "switcher", Transport: { Protocol: "srt-caller", SourceListenerAddress: pointedAt, SourceListenerPort: 9001 } }
        : { Name: "ingest", SourceArn: `${flowArn}:source`, WhitelistCidr: "192.0.2.1/32", Transport: { Protocol: "srt-listener" } },
    };
  }
}

/** The most of `times` that fall in one window of `windowMs` (half-open, as MediaConnect's per-second count). */
function mostInAnyWindow(times: number[], windowMs = 1_000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

let tables: TestTables;
let shared: SharedLimitsTable;
let fake: FakeMediaConnect;

function container(options: Partial<AwsSwitcherEngineOptions> = {}) {
  return new AwsSwitcherEngine({
    client: (region) => new MediaConnectClient({ region }),
    architectureOf: async (switcherId) => (SWITCHERS.includes(switcherId) ? architecture : undefined),
    // Each container its own document client, as each Lambda container has.
    sharedLimits: { client: documentClient(tables.client), tableName: TABLE },
    debounceMs: 50,
    retry: { attempts: 4, baseMs: 10, maxMs: 40 },
    ...options,
  });
}

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  shared = { client: documentClient(tables.client), tableName: TABLE };
});

afterAll(() => tables.close());

beforeEach(async () => {
  fake = new FakeMediaConnect();
  fake.install();
  // Each test starts with MediaConnect's rate unspent and no switch pending.
  const keys = [
    { pk: `LIMIT#MEDIACONNECT#${REGION}`, sk: "LIMIT" },
    ...SWITCHERS.flatMap((switcherId) => BUSES.map((bus) => ({ pk: `SWITCHER#${switcherId}`, sk: `BUS#${bus}` }))),
  ];
  for (const Key of keys) await shared.client.send(new DeleteCommand({ TableName: TABLE, Key }));
});

describe("limits shared by all containers (DynamoDB)", () => {
  it("keeps two containers switching 20 times in one second within 5 MediaConnect requests a second, and every bus ends on its last switch", async () => {
    const containers = [container(), container()];
    const targets = SWITCHERS.flatMap((switcherId) => BUSES.map((bus) => ({ switcherId, bus })));
    const last = new Map<string, string>();
    const started = Date.now();

    // A switch every 50 ms, in turn to each of the four buses: every bus gets five switches 200 ms apart (four times
    // the debounce, so the debounce alone would send all twenty), alternately from each container.
    const switched = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        await new Promise((resolve) => setTimeout(resolve, n * 50));
        const round = Math.floor(n / targets.length);
        const target = targets[n % targets.length]!;
        const ingestId = INGESTS[(round + n) % INGESTS.length]!;
        last.set(`${target.switcherId}/${target.bus}`, ingestId);
        return containers[round % 2]!.switch(target.switcherId, target.bus, ingestId, "cut");
      }),
    );
    const elapsed = Date.now() - started;

    const updates = fake.updates.map((update) => update.at);
    const all = fake.requests.map((request) => request.at);
    console.info(
      `20 switches from 2 containers: ${fake.updates.length} UpdateFlowSource, ${fake.requests.length} MediaConnect requests in ${elapsed} ms; ` +
        `most in any second: ${mostInAnyWindow(updates)} UpdateFlowSource, ${mostInAnyWindow(all)} requests`,
    );
    expect(switched.every((outcome) => outcome.mode === "cut")).toBe(true);
    expect(mostInAnyWindow(updates)).toBeLessThanOrEqual(5);
    expect(mostInAnyWindow(all)).toBeLessThanOrEqual(5);
    for (const { switcherId, bus } of targets) {
      expect(fake.pointedAt.get(arnOf(busFlowName(switcherId, bus)))).toBe(addressOf(switcherId, last.get(`${switcherId}/${bus}`)!));
    }
  });

  it("sends only the last of quick switches of one bus asked through two containers, and answers the earlier one superseded", async () => {
    const [first, second] = [container(), container()];

    const outcomes = await Promise.all([
      first.switch(SWITCHERS[0]!, "preview", "cam-b", "cut"),
      new Promise((resolve) => setTimeout(resolve, 10)).then(() => second.switch(SWITCHERS[0]!, "preview", "cam-a", "cut")),
    ]);

    expect(fake.updates.map((update) => update.address)).toEqual([addressOf(SWITCHERS[0]!, "cam-a")]);
    expect(outcomes[0]).toEqual({ mode: "cut", superseded: true, note: "superseded by a switch to cam-a within 50 ms; only that one is sent" });
    expect(outcomes[1]).toEqual({ mode: "cut" });
  });

  it("lets each container alone send 5 a second, so two of them without the shared limits would pass MediaConnect's rate", async () => {
    const containers = [container({ sharedLimits: undefined }), container({ sharedLimits: undefined })];

    await Promise.all(
      containers.flatMap((switcher, index) => BUSES.map((bus) => switcher.switch(SWITCHERS[index]!, bus, "cam-b", "cut"))),
    );

    expect(mostInAnyWindow(fake.requests.map((request) => request.at))).toBeGreaterThan(5);
  });

  it("still retries MediaConnect's 429, each attempt within the shared rate", async () => {
    fake.throttleNextUpdates = 2;

    const outcome = await container().switch(SWITCHERS[0]!, "live", "cam-b", "clean");

    expect(outcome).toEqual({ mode: "cut", note: "MediaConnect switches at the next packet" });
    expect(fake.requests.filter((request) => request.operation === "UpdateFlowSource")).toHaveLength(3);
    expect(fake.pointedAt.get(arnOf(busFlowName(SWITCHERS[0]!, "live")))).toBe(addressOf(SWITCHERS[0]!, "cam-b"));
  });

  it("sends past the lease of a container that died while sending, once the lease has expired", async () => {
    const leaseUntil = Date.now() + 400;
    await shared.client.send(
      new PutCommand({
        TableName: TABLE,
        Item: { pk: `SWITCHER#${SWITCHERS[1]}`, sk: "BUS#preview", pendingIngestId: "cam-b", pendingToken: "dead", leaseToken: "dead", leaseUntil },
      }),
    );

    const outcome = await container().switch(SWITCHERS[1]!, "preview", "cam-a", "cut");

    expect(outcome).toEqual({ mode: "cut" });
    expect(fake.updates).toHaveLength(1);
    expect(fake.updates[0]!.at).toBeGreaterThanOrEqual(leaseUntil);
    expect(fake.pointedAt.get(arnOf(busFlowName(SWITCHERS[1]!, "preview")))).toBe(addressOf(SWITCHERS[1]!, "cam-a"));
  });

  it("counts each region on its own and never lets more than the limit through in any window", async () => {
    const budgets = [0, 1].map(() => new DynamoRequestBudget({ ...shared, limit: 5, windowMs: 300, marginMs: 100 }));
    const taken: number[] = [];

    await Promise.all(
      Array.from({ length: 12 }, (_, index) => budgets[index % 2]!.take("ap-test-1").then(() => taken.push(Date.now()))),
    );
    const asked = Date.now();
    await budgets[0]!.take("ap-test-2");

    expect(mostInAnyWindow(taken, 300)).toBeLessThanOrEqual(5);
    expect(Math.max(...taken) - Math.min(...taken)).toBeGreaterThanOrEqual(600);
    // ap-test-1's five slots are all taken just now, but ap-test-2 has its own.
    expect(Date.now() - asked).toBeLessThan(100);
  });

  it("leaves two places a window to switching: the panel's reads take at most three, then give way (MonitoringDeferred)", async () => {
    const budget = new DynamoRequestBudget({ ...shared, limit: 5, windowMs: 2_000, marginMs: 100 });
    const monitoring = { monitor: true, deadlineAt: Date.now() + 300 };

    for (let read = 0; read < 3; read++) await budget.take("ap-test-3", monitoring);
    const fourthRead = await budget.take("ap-test-3", { monitor: true, deadlineAt: Date.now() + 300 }).catch((error: unknown) => error);
    const asked = Date.now();
    await budget.take("ap-test-3");
    await budget.take("ap-test-3");

    expect(fourthRead).toBeInstanceOf(MonitoringDeferred);
    expect(Date.now() - asked).toBeLessThan(500);
  });
});
