import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import * as events from "../../events/src/index.ts";
import { Rules, stageRules } from "../../events/src/patterns.ts";
import { sampleEvent, type DocumentedSample } from "../../events/src/aws/samples/documented.ts";
import { RuleHandlers } from "../../stacks/rules.ts";
import { root } from "./fetch-botocore.ts";
import { eventTypesOf, handlerProblems, parsedSchemas, sampleProblems, unroutedEventTypes, type EventType, type Sample } from "./rules.ts";

const schemas = events as unknown as Record<string, unknown>;
const typesOf = (names: Iterable<string>) => [...names].flatMap((name) => eventTypesOf(schemas[name]));
const fromAws = (type: EventType) => type.source.startsWith("aws.");

/** Every documented sample in events/src/aws/samples/, by its export name. */
async function documentedSamples(): Promise<Sample[]> {
  const directory = join(root, "events", "src", "aws", "samples");
  const modules = await Promise.all(readdirSync(directory).filter((file) => file.endsWith(".ts")).map((file) => import(join(directory, file)) as Promise<Record<string, unknown>>));
  const found = new Map<string, DocumentedSample>();
  for (const module of modules) {
    for (const [name, value] of Object.entries(module)) {
      const candidate = value as Partial<DocumentedSample> | undefined;
      if (typeof candidate?.page === "string" && typeof candidate.text === "string") found.set(name, candidate as DocumentedSample);
    }
  }
  return [...found].map(([name, sample]) => ({ name, event: sampleEvent(sample) }));
}

const scratchDirectories: string[] = [];
afterAll(() => {
  for (const directory of scratchDirectories) rmSync(directory, { recursive: true, force: true });
});

function scratch(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), "rules-"));
  scratchDirectories.push(directory);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(directory, path, ".."), { recursive: true });
    writeFileSync(join(directory, path), text);
  }
  return directory;
}

describe("rules and handlers, as the code has them", () => {
  it("every rule reaches a handler file that exists and exports its function", () => {
    expect(handlerProblems(Rules, RuleHandlers, root)).toEqual([]);
  });

  it("every event type a function parses has a rule, and AWS's ones a documented sample", async () => {
    const parsed = typesOf(parsedSchemas(join(root, "packages", "functions", "src"), "@visionstream/events").keys());
    const sampled = (await documentedSamples()).map(({ event }) => `${String(event.source)} ${String(event["detail-type"])}`);

    expect(unroutedEventTypes(parsed, Rules)).toEqual([]);
    expect(parsed.filter(fromAws).filter((type) => !sampled.includes(`${type.source} ${type.detailType}`))).toEqual([]);
    expect(parsed.filter(fromAws).length).toBeGreaterThanOrEqual(5);
  });

  it("AWS's documented sample events parse with our schemas and fit the rules, as deployed, that listen for them", async () => {
    const samples = await documentedSamples();

    expect(sampleProblems(samples, schemas, stageRules("visionstream-test"))).toEqual([]);
    expect(samples.length).toBeGreaterThanOrEqual(10);
  });
});

describe("planted faults", () => {
  const rules = { started: { source: ["aws.medialive"], "detail-type": ["MediaLive Channel State Change"] }, alerted: { source: ["aws.medialive"], "detail-type": ["MediaLive Channel Alert"] } };

  it("a rule without handler, a handler without rule, a missing file and a file without the export", () => {
    const directory = scratch({ "src/started.ts": "export const handler = () => {};\n", "src/alerted.ts": "export const handle = () => {};\nconst handler = 1;\n" });

    expect(
      handlerProblems({ ...rules, stopped: rules.started }, { started: "src/started.handler", alerted: "src/alerted.handler", gone: "src/gone.handler" }, directory),
    ).toEqual([
      "rule stopped: no handler in RuleHandlers",
      "rule alerted: src/alerted.ts exports no handler",
      "handler of gone: no such rule in events/src/patterns.ts",
      "rule gone: src/gone.ts does not exist",
    ]);
  });

  it("an event type a handler parses that no rule listens for", () => {
    const directory = scratch({
      "on-alert.ts": `import { MediaLiveChannelAlert } from "@visionstream/events";\nexport const handler = eventHandler(MediaLiveChannelAlert, async () => {});\n`,
      "on-s3.ts": `import { S3ObjectCreated as Created, MediaLiveChannelStateChange } from "@visionstream/events";\nexport const read = (event: unknown) => Created.parse(event);\n`,
    });

    const parsed = parsedSchemas(directory, "@visionstream/events");

    expect([...parsed.keys()].sort()).toEqual(["MediaLiveChannelAlert", "S3ObjectCreated"]);
    expect(unroutedEventTypes(typesOf(parsed.keys()), { started: rules.started })).toEqual([
      { source: "aws.medialive", detailType: "MediaLive Channel Alert" },
      { source: "aws.s3", detailType: "Object Created" },
    ]);
  });

  it("a sample our schema refuses, a rule filtering on a field AWS's event lacks, and a rule no event of AWS's shape can match", async () => {
    const samples = (await documentedSamples()).filter(({ event }) => event.source === "aws.medialive" && event["detail-type"] === "MediaLive Channel State Change");
    const broken = samples.map(({ name, event }) => ({ name, event: { ...event, detail: { ...(event.detail as object), state: "PAUSED" } } }));
    const misspelt = { ...rules.started, detail: { channelArn: [{ prefix: "arn:" }] } };
    const impossible = { ...rules.started, detail: { state: [{ numeric: [">", 0] }] } };

    expect(sampleProblems(broken, { MediaLiveChannelStateChange: events.MediaLiveChannelStateChange }, {})).toEqual([
      expect.stringMatching(/^mediaLiveChannelStateChangeSample: MediaLiveChannelStateChange refuses it: detail\.state: /),
    ]);
    expect(sampleProblems(samples, {}, { misspelt, impossible })).toEqual([
      "mediaLiveChannelStateChangeSample: rule misspelt filters on detail.channelArn, which AWS's sample has not",
      "mediaLiveChannelStateChangeSample: rule impossible matches no event of AWS's shape",
    ]);
  });
});
