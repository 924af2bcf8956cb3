import { MediaConnectClient, StartFlowCommand, StopFlowCommand, UpdateFlowSourceCommand } from "@aws-sdk/client-mediaconnect";
import { startTestTables, type TestTables } from "@visionstream/aws/dynamodb/testing";
import { command, festival } from "@visionstream/aws/mediaconnect/testing";
import type { Architecture } from "@visionstream/core/switcher/architecture";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsPlatform, prefix, type AwsPlatform } from "./aws-platform-testing.ts";
import { mediaconnect } from "./aws-switcher-fakes-testing.ts";

const TABLE = "aws-switcher-lifecycle";
let tables: TestTables;
let platform: AwsPlatform;
let apiKey: string;

/** Two regions: the buses and stage-a in eu-west-1 (home), stage-b and stage-c abroad. */
const architecture: Architecture = festival((file) => {
  file.ingests[2].region = "us-east-1";
});
const file = JSON.parse(JSON.stringify(architecture)) as Architecture;
const REGIONS = ["eu-west-1", "us-east-1"];

beforeAll(async () => {
  tables = await startTestTables({ table: TABLE, idempotencyTable: `${TABLE}-idempotency` });
  platform = awsPlatform(tables, TABLE);
  ({ apiKey } = await platform.signUp("switcher lifecycle"));
});

afterAll(() => tables.close());

const sent = (constructor: unknown) => mediaconnect.commandCalls(command(constructor)).length;

async function switcherOf(switcherId: string) {
  const answer = await platform.call("GET", `/switchers/${switcherId}`, apiKey);
  expect(answer.status).toBe(200);
  return answer.body.switcher as { applyState: string; applyFailure?: string; live: string; preview: string };
}

/** Every flow of the switcher ACTIVE, and each bus flow calling the ingest the switcher's state names. */
function expectRunning(switcherId: string, buses: { live: string; preview: string }) {
  const flows = [...platform.switcherFlows.flows.values()].filter((flow) => flow.Name!.startsWith(`vs-${switcherId}-`));
  expect(flows.map((flow) => [flow.Name, flow.Status])).toEqual(flows.map((flow) => [flow.Name, "ACTIVE"]));
  expect(flows).toHaveLength(architecture.ingests.length + 2);
  expect(platform.switcherFlows.busSource(switcherId, "live", architecture)).toBe(buses.live);
  expect(platform.switcherFlows.busSource(switcherId, "preview", architecture)).toBe(buses.preview);
}

/** Delivers the events again, duplicated and in reverse order, as EventBridge may. */
async function redeliverShuffled(types: string[]) {
  const events = platform.delivered.filter((event) => types.includes(event["detail-type"]));
  for (const event of [...events].reverse()) {
    platform.redeliver(event);
    platform.redeliver(event);
  }
  await platform.settled();
}

describe("a switcher in AWS starts its flows without PUT config", () => {
  it("created after its stacks were deployed (its id in the file): every flow started, the buses on its first two ingests", async () => {
    const switcherId = "sw-00000000000000a1";
    for (const region of REGIONS) platform.publish(platform.switcherFlows.deployStack(prefix, switcherId, architecture, region));
    await platform.settled();
    expect(sent(StartFlowCommand)).toBe(0);

    const created = await platform.call("POST", "/switchers", apiKey, { ...file, id: switcherId });
    expect(created.status).toBe(201);
    expect(created.body.switcher.id).toBe(switcherId);
    await platform.settled();

    expect(platform.failures).toEqual([]);
    expect(await switcherOf(switcherId)).toMatchObject({ applyState: "APPLIED", live: "stage-a", preview: "stage-b" });
    expectRunning(switcherId, { live: "stage-a", preview: "stage-b" });
    expect(platform.failures).toEqual([]);
  });

  it("created before its stacks: AWAITING_FLOWS with the deploy command, then started when the last region's stack is deployed", async () => {
    const created = await platform.call("POST", "/switchers", apiKey, file);
    expect(created.status).toBe(201);
    const switcherId = created.body.switcher.id as string;
    await platform.settled();
    const waiting = await switcherOf(switcherId);
    expect(waiting.applyState).toBe("AWAITING_FLOWS");
    expect(waiting.applyFailure).toContain(`put "id": "${switcherId}" in its architecture file`);

    // The ingest region first: the home region's bus flows are still missing.
    platform.publish(platform.switcherFlows.deployStack(prefix, switcherId, architecture, "us-east-1"));
    await platform.settled();
    expect((await switcherOf(switcherId)).applyState).toBe("AWAITING_FLOWS");

    platform.publish(platform.switcherFlows.deployStack(prefix, switcherId, architecture, "eu-west-1"));
    await platform.settled();

    expect((await switcherOf(switcherId)).applyState).toBe("APPLIED");
    expectRunning(switcherId, { live: "stage-a", preview: "stage-b" });
    expect(platform.failures).toEqual([]);
  });

  it("duplicate and shuffled stack and flow events change nothing further, not even a bus an operator switched", async () => {
    const switcherId = "sw-00000000000000a1";
    const cut = await platform.call("POST", `/switchers/${switcherId}/live`, apiKey, { ingestId: "stage-c", mode: "cut" });
    expect(cut.status).toBe(200);
    await platform.settled();
    const before = { started: sent(StartFlowCommand), pointed: sent(UpdateFlowSourceCommand) };

    await redeliverShuffled(["CloudFormation Stack Status Change", "MediaConnect Flow Status Change"]);

    expect({ started: sent(StartFlowCommand), pointed: sent(UpdateFlowSourceCommand) }).toEqual(before);
    expect(await switcherOf(switcherId)).toMatchObject({ applyState: "APPLIED", live: "stage-c", preview: "stage-b" });
    expectRunning(switcherId, { live: "stage-c", preview: "stage-b" });
    expect(platform.failures).toEqual([]);
  });

  it("a flow someone stopped goes back to STANDBY and is started again by its switcher", async () => {
    const switcherId = "sw-00000000000000a1";
    const flow = platform.switcherFlows.named(`vs-${switcherId}-stage-b`)!;
    const started = sent(StartFlowCommand);

    await new MediaConnectClient({ region: "us-east-1" }).send(new StopFlowCommand({ FlowArn: flow.FlowArn! }));
    await platform.settled();

    expect(sent(StartFlowCommand)).toBe(started + 1);
    expectRunning(switcherId, { live: "stage-c", preview: "stage-b" });
  });

  it("a stack update that put the temporary source back on the bus flows is followed by the buses pointed again", async () => {
    const switcherId = "sw-00000000000000a1";

    platform.publish(platform.switcherFlows.updateHomeStack(prefix, switcherId, architecture));
    expect(platform.switcherFlows.busSource(switcherId, "live", architecture)).toBeUndefined();
    await platform.settled();

    expectRunning(switcherId, { live: "stage-c", preview: "stage-b" });
    expect(platform.failures).toEqual([]);
  });

  it("two applies delivered at once (a duplicate event) start each flow once; the loser of a StartFlow race takes it as done", async () => {
    const switcherId = "sw-00000000000000a2";
    for (const region of REGIONS) platform.publish(platform.switcherFlows.deployStack(prefix, switcherId, architecture, region));
    await platform.settled();
    const started = sent(StartFlowCommand);
    // Whatever the interleaving of the two applies here, one flow is sure to lose a race: another apply starts it
    // between this one's ListFlows and its StartFlow.
    platform.switcherFlows.startedByAnother.add(`vs-${switcherId}-stage-c`);

    const created = await platform.call("POST", "/switchers", apiKey, { ...file, id: switcherId });
    const asked = platform.delivered.find((event) => event["detail-type"] === "SwitcherApplyRequested" && (event.detail as { switcherId: string }).switcherId === switcherId)!;
    platform.redeliver(asked);
    await platform.settled();

    expect(created.status).toBe(201);
    expect(platform.failures).toEqual([]);
    expect((await switcherOf(switcherId)).applyState).toBe("APPLIED");
    expectRunning(switcherId, { live: "stage-a", preview: "stage-b" });
    // Each flow was started once (stage-c by "another apply"); every StartFlow that lost (409) was taken as done.
    const outcomes = await Promise.allSettled(mediaconnect.commandCalls(command(StartFlowCommand)).slice(started).map((call) => call.returnValue));
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(4);
    expect(outcomes.filter((outcome) => outcome.status === "rejected").length).toBeGreaterThan(0);
  });

  it("a flow MediaConnect refuses to start leaves the switcher APPLY_FAILED with MediaConnect's reason, not retried for ever", async () => {
    const switcherId = "sw-00000000000000a3";
    platform.switcherFlows.refusals.set(`vs-${switcherId}-stage-b`, "the role cannot read the secret festival/stage-b");
    for (const region of REGIONS) platform.publish(platform.switcherFlows.deployStack(prefix, switcherId, architecture, region));
    await platform.settled();

    await platform.call("POST", "/switchers", apiKey, { ...file, id: switcherId });
    await platform.settled();

    expect(platform.failures).toEqual([]);
    expect(await switcherOf(switcherId)).toMatchObject({
      applyState: "APPLY_FAILED",
      applyFailure: `MediaConnect refused to run switcher ${switcherId}: the role cannot read the secret festival/stage-b`,
    });
  });

  it("a second POST with an id that exists is refused with 409 naming the id", async () => {
    const again = await platform.call("POST", "/switchers", apiKey, { ...file, id: "sw-00000000000000a1" });

    expect(again.status).toBe(409);
    expect(JSON.stringify(again.body)).toContain("id");
  });
});
