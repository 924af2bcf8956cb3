import { MediaConnectClient } from "@aws-sdk/client-mediaconnect";
import { parseArchitecture, type Architecture } from "@visionstream/core/switcher/architecture";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";

// @aws-sdk/client-mediaconnect 3.654 (the newest the registry here offers) brings its own older @smithy/types, which
// the mock's types (built on the root's) reject; at run time the calls are the same, so the types are loosened here.
type Loose = Record<string, unknown>;
export type MediaConnectStub = AwsStub<Loose, Loose & { $metadata: object }, unknown>;

/** The MediaConnect client mocked for this test file (every instance, every region). */
export const mockMediaConnect = () => mockClient(MediaConnectClient as never) as unknown as MediaConnectStub;
/** A MediaConnect command class as the loosened stub takes it. */
export const command = (constructor: unknown) => constructor as never;
export const metadata = { $metadata: {} };

/**
 * A two-region festival: stage-a and stage-c in eu-west-1 (home: the live and preview flows), stage-b in us-east-1;
 * `change` edits the file before it is parsed.
 */
export function festival(change: (file: Record<string, any>) => void = () => undefined): Architecture {
  const file: Record<string, any> = {
    name: "festival",
    regions: [
      { id: "eu-west-1", name: "Ireland" },
      { id: "us-east-1", name: "Virginia" },
    ],
    ingests: [
      { id: "stage-a", name: "Main stage", region: "eu-west-1", protocol: "srt-listener", port: 9001, passphraseSecret: "festival/stage-a", allowCidr: "203.0.113.0/24", maxBitrateKbps: 20000 },
      { id: "stage-b", name: "Second stage", region: "us-east-1", protocol: "srt-listener", port: 9002, passphraseSecret: "festival/stage-b", allowCidr: "203.0.113.0/24", maxBitrateKbps: 20000 },
      { id: "stage-c", name: "Backstage", region: "eu-west-1", protocol: "srt-listener", port: 9003, passphraseSecret: "festival/stage-c", allowCidr: "203.0.113.0/24", maxBitrateKbps: 20000 },
    ],
    outputs: { live: { protocol: "srt-listener", port: 9101 }, preview: { protocol: "srt-listener", port: 9102 } },
  };
  change(file);
  const parsed = parseArchitecture(file);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.faults));
  return parsed.architecture;
}
