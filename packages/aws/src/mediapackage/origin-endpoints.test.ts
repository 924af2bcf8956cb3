import { CreateOriginEndpointCommand } from "@aws-sdk/client-mediapackagev2";
import { describe, expect, it } from "vitest";
import { validateCommand } from "../../../../scripts/aws-definitions/capture.ts";
import { awsKeyUri, keyPathPattern, parseAwsKeyPath } from "./key-paths.ts";
import { createOriginEndpointRequest } from "./origin-endpoints.ts";

const target = { channelGroup: "visionstream-test", channelName: "visionstream-test-ch-0123456789abcdef" };
const stage = { channelGroup: "visionstream-test", prefix: "visionstream-test" };

describe("the endpoints against the MediaPackage v2 model the checks hold requests to", () => {
  it("accepts every endpoint in every latency, clear and encrypted", () => {
    const keyServer = { url: "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/s/copyProtection", roleArn: "arn:aws:iam::111122223333:role/k" };
    const requests = (["ts", "cmaf"] as const).flatMap((endpoint) =>
      (["normal", "low"] as const).flatMap((latency) =>
        [undefined, { keyRotationSeconds: 3600, channelId: "ch-0123456789abcdef", keyServer }].map((encryption) =>
          createOriginEndpointRequest({ ...target, endpoint }, { segmentSeconds: 2, latency, ...(encryption && { encryption }) }),
        ),
      ),
    );

    const problems = requests.flatMap((request) => validateCommand("MediaPackageV2Client", new CreateOriginEndpointCommand(request)).problems);

    expect(problems).toEqual([]);
    expect(requests).toHaveLength(8);
  });

  it("has no Smooth Streaming (ISM) container: an MSS endpoint would be refused, which is why there is none", () => {
    const mss = { ...createOriginEndpointRequest({ ...target, endpoint: "cmaf" }, { segmentSeconds: 2 }), ContainerType: "ISM" };

    const { problems } = validateCommand("MediaPackageV2Client", new CreateOriginEndpointCommand(mss as never));

    expect(problems).toEqual([expect.objectContaining({ path: "ContainerType", message: expect.stringMatching(/"ISM" is not one of ContainerType's values \(CMAF, TS\)/) })]);
  });
});

describe("AWS key paths", () => {
  const kid = "0123456789abcdef0123456789abcdef";

  it("put a channel's keys under its playback root, root-relative, and read them back", () => {
    const uri = awsKeyUri(stage, "ch-0123456789abcdef", "01234567-89AB-CDEF-0123-456789ABCDEF");

    expect(uri).toBe(`/out/v1/visionstream-test/visionstream-test-ch-0123456789abcdef/keys/${kid}`);
    expect(parseAwsKeyPath(uri, stage)).toEqual({ channelId: "ch-0123456789abcdef", kid });
    expect(keyPathPattern("visionstream-test")).toBe("out/v1/visionstream-test/*/keys/*");
  });

  it.each([
    [`/out/v1/other-group/visionstream-test-ch-1/keys/${kid}`, "another channel group"],
    [`/out/v1/visionstream-test/visionstream-prod-ch-1/keys/${kid}`, "another prefix"],
    [`/out/v1/visionstream-test/visionstream-test-ch-1/ts/master.m3u8`, "not a key"],
    [`/out/v1/visionstream-test/visionstream-test-ch-1/keys/${kid}/more`, "deeper"],
    [`/out/v1/visionstream-test/visionstream-test-ch-1/keys/not-a-kid`, "a malformed key id"],
    [`/out/v1/visionstream-test/visionstream-test-/keys/${kid}`, "no channel id"],
  ])("refuse %s (%s)", (path) => {
    expect(parseAwsKeyPath(path, stage)).toBeUndefined();
  });
});
