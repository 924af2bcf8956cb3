import { readFileSync } from "node:fs";
import fc from "fast-check";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { contentKey } from "./content-keys.ts";
import {
  answeredKeys,
  answerSpekeRequest,
  DRM_SYSTEM_IDS,
  psshBox,
  parseSpekeContentId,
  parseSpekeRequest,
  spekeContentId,
  SpekeRequestInvalid,
  type SpekeKeyUrls,
} from "./speke.ts";

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8");
const tsRequest = fixture("mediapackage-ts-clearkey-aes128.xml");
const cmafRequest = fixture("cmaf-clearkey-cenc.xml");
const cbcsRequest = fixture("mediapackage-cmaf-cbcs.xml");
const secret = Buffer.alloc(32, 7);
const channelId = "ch-0123456789abcdef";
const urls: SpekeKeyUrls = {
  key: (channel, kid) => `https://d111.cloudfront.test/live/${channel}/keys/${kid}`,
  clearKeyLicense: (channel) => `https://d111.cloudfront.test/live/${channel}/keys/clearkey`,
};
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "@_", parseTagValue: false, isArray: (name) => name.endsWith("ContentKey") || name.endsWith("DRMSystem") || name.endsWith("HLSSignalingData") || name.endsWith("ContentKeyUsageRule") });
const fromBase64 = (value: string) => Buffer.from(value, "base64").toString("utf8");

function refusal(act: () => unknown): SpekeRequestInvalid {
  try {
    act();
  } catch (error) {
    if (error instanceof SpekeRequestInvalid) return error;
    throw error;
  }
  throw new Error("the request was accepted");
}

describe("SPEKE v2 answers", () => {
  it("answers MediaPackage's HLS-TS ClearKey AES-128 request with the channel's keys for exactly the KIDs asked", () => {
    const request = parseSpekeRequest(tsRequest, "2.0");

    const answer = answerSpekeRequest(request, secret, urls);

    const kids = ["855d075df81741329651ebcf3909b3ac", "bbb7f218f39b497fbc7691f81c8c9a8f"];
    expect(answer.kids).toEqual(kids);
    const keys = answeredKeys(answer.body);
    expect([...keys.keys()]).toEqual(kids);
    for (const kid of kids) expect(keys.get(kid)!.equals(contentKey(secret, channelId, kid).key)).toBe(true);
    expect(answer.headers).toEqual({
      "Content-Type": "application/xml",
      "X-Speke-Version": "2.0",
      "X-Speke-User-Agent": "VisionStream key server",
      "Speke-User-Agent": "VisionStream key server",
    });
  });

  it("signals each HLS key with its key URI, leaving contentId, version, periods and usage rules as asked", () => {
    const answer = answerSpekeRequest(parseSpekeRequest(tsRequest, "2.0"), secret, urls);

    const cpix = xml.parse(answer.body)["cpix:CPIX"];
    expect(cpix["@_contentId"]).toBe("ch-0123456789abcdef_ts");
    expect(cpix["@_version"]).toBe("2.3");
    const [video] = cpix["cpix:DRMSystemList"]["cpix:DRMSystem"];
    const signaling = Object.fromEntries(video["cpix:HLSSignalingData"].map((node: { "@_playlist": string; "#text": string }) => [node["@_playlist"], fromBase64(node["#text"])]));
    const uri = `https://d111.cloudfront.test/live/${channelId}/keys/855d075df81741329651ebcf3909b3ac`;
    expect(signaling).toEqual({ media: `#EXT-X-KEY:METHOD=AES-128,URI="${uri}"`, master: `#EXT-X-SESSION-KEY:METHOD=AES-128,URI="${uri}"` });
    expect(fromBase64(video["cpix:URIExtXKey"])).toBe(uri);
    expect(cpix["cpix:ContentKeyPeriodList"]["cpix:ContentKeyPeriod"]).toEqual({ "@_id": "keyPeriod_b4ab5c2f-8ad3-4c0e-9a4e-7f1c2d3e4a5b", "@_index": "492118" });
    expect(cpix["cpix:ContentKeyUsageRuleList"]["cpix:ContentKeyUsageRule"].map((rule: Record<string, string>) => rule["@_intendedTrackType"])).toEqual(["VIDEO", "AUDIO"]);
    expect(cpix["cpix:ContentKeyList"]["cpix:ContentKey"][0]["@_kid"]).toBe("855d075d-f817-4132-9651-ebcf3909b3ac");
  });

  it("answers a CENC ClearKey request with a Common PSSH box naming the KID and the ClearKey license URL", () => {
    const answer = answerSpekeRequest(parseSpekeRequest(cmafRequest, "2.0"), secret, urls);

    const kid = "47f6f19a67124261 9cbdf112a13de48d".replace(" ", "");
    const [common, dashIf] = xml.parse(answer.body)["cpix:CPIX"]["cpix:DRMSystemList"]["cpix:DRMSystem"];
    const pssh = Buffer.from(common["cpix:PSSH"], "base64");
    expect(pssh.subarray(4, 8).toString("latin1")).toBe("pssh");
    expect(pssh.subarray(12, 28).toString("hex")).toBe("1077efecc0b24d02ace33c1e52e2fb4b");
    expect(pssh.subarray(32, 48).toString("hex")).toBe(kid);
    expect(pssh.equals(psshBox(DRM_SYSTEM_IDS.commonPssh, kid))).toBe(true);
    expect(fromBase64(common["cpix:ContentProtectionData"])).toBe(`<pssh xmlns="urn:mpeg:cenc:2013">${pssh.toString("base64")}</pssh>`);
    expect(fromBase64(dashIf["cpix:ContentProtectionData"])).toContain(`>https://d111.cloudfront.test/live/${channelId}/keys/clearkey</dashif:Laurl>`);
    expect(answeredKeys(answer.body).get(kid)!.equals(contentKey(secret, channelId, kid).key)).toBe(true);
  });

  it("answers MediaPackage's CMAF cbcs request for Widevine, PlayReady and FairPlay with keys and license-free signaling", () => {
    const answer = answerSpekeRequest(parseSpekeRequest(cbcsRequest, "2.0"), secret, urls);

    const kid = "6f0d2e8a1c4b4e529a372b8c5d1e7f90";
    expect(answeredKeys(answer.body).get(kid)!.equals(contentKey(secret, channelId, kid).key)).toBe(true);
    const [widevine, playReady, fairPlay] = xml.parse(answer.body)["cpix:CPIX"]["cpix:DRMSystemList"]["cpix:DRMSystem"];
    for (const [system, systemId] of [[widevine, DRM_SYSTEM_IDS.widevine], [playReady, DRM_SYSTEM_IDS.playReady]] as const) {
      const pssh = Buffer.from(system["cpix:PSSH"], "base64");
      expect(pssh.equals(psshBox(systemId, kid))).toBe(true);
      expect(fromBase64(system["cpix:HLSSignalingData"][0]["#text"])).toBe(
        `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${pssh.toString("base64")}",KEYID=0x${kid},KEYFORMAT="urn:uuid:${systemId}",KEYFORMATVERSIONS="1"`,
      );
    }
    expect(fromBase64(fairPlay["cpix:HLSSignalingData"][1]["#text"])).toBe(
      `#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES,URI="skd://${kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`,
    );
    expect(xml.parse(answer.body)["cpix:CPIX"]["cpix:ContentKeyList"]["cpix:ContentKey"][0]["@_explicitIV"]).toBe("ASgwx9pQ2/2lnDzJsUxWcQ==");
  });

  it("gives the same answer to the same request, every time", () => {
    const first = answerSpekeRequest(parseSpekeRequest(tsRequest, "2.0"), secret, urls);
    const second = answerSpekeRequest(parseSpekeRequest(tsRequest, "2.0"), secret, urls);

    expect(second.body).toBe(first.body);
  });

  it("gives another channel other keys for the same KIDs", () => {
    const other = tsRequest.replace('contentId="ch-0123456789abcdef_ts"', 'contentId="ch-fedcba9876543210_ts"');

    const mine = answeredKeys(answerSpekeRequest(parseSpekeRequest(tsRequest, "2.0"), secret, urls).body);
    const theirs = answeredKeys(answerSpekeRequest(parseSpekeRequest(other, "2.0"), secret, urls).body);

    expect([...theirs.keys()]).toEqual([...mine.keys()]);
    for (const [kid, key] of mine) expect(theirs.get(kid)!.equals(key)).toBe(false);
  });

  it("accepts SPEKE 2.1 with CPIX 2.4 and echoes its version", () => {
    const answer = answerSpekeRequest(parseSpekeRequest(tsRequest.replace('version="2.3"', 'version="2.4"'), "2.1"), secret, urls);

    expect(answer.headers["X-Speke-Version"]).toBe("2.1");
  });

  it("adds the pskc namespace when the request did not declare it", () => {
    const request = tsRequest.replace(' xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"', "");

    const answer = answerSpekeRequest(parseSpekeRequest(request, "2.0"), secret, urls);

    expect(answer.body).toContain('xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"');
    expect(answeredKeys(answer.body).size).toBe(2);
  });
});

describe("SPEKE v2 refusals", () => {
  const videoKid = 'kid="855d075d-f817-4132-9651-ebcf3909b3ac" commonEncryptionScheme="cbc1"';
  const cases: [string, string, string | undefined, string, number, RegExp][] = [
    ["no X-Speke-Version header", tsRequest, undefined, "X-Speke-Version", 400, /Missing X-Speke-Version/],
    ["a SPEKE v1 version", tsRequest, "1.0", "X-Speke-Version", 422, /Unsupported SPEKE version "1.0"/],
    ["an empty body", "", "2.0", "body", 400, /no CPIX document/],
    ["malformed XML", tsRequest.replace("</cpix:ContentKeyList>", ""), "2.0", "body", 400, /not well-formed XML/],
    // Found by the fuzz test below (seed 15): the validator passed it, the parser threw its own error.
    ["a broken XML declaration", tsRequest.replace('<?xml version="1.0"', '<?xml versio1.0"'), "2.0", "body", 400, /not well-formed XML/],
    ["a DOCTYPE", `<!DOCTYPE x [<!ENTITY a "b">]>${tsRequest.replace(/^<\?xml[^>]*>/, "")}`, "2.0", "body", 400, /DOCTYPE/],
    ["another root element", '<cpix:Other xmlns:cpix="urn:dashif:org:cpix"/>', "2.0", "CPIX", 400, /root element is not CPIX/],
    ["no CPIX namespace", tsRequest.replace('xmlns:cpix="urn:dashif:org:cpix"', 'xmlns:cpix="urn:example"'), "2.0", "CPIX", 400, /CPIX namespace/],
    ["no contentId", tsRequest.replace(/contentId="[^"]*"/, ""), "2.0", "CPIX@contentId", 422, /Missing CPIX@contentId/],
    ["a contentId of another shape", tsRequest.replace(/contentId="[^"]*"/, 'contentId="abc123"'), "2.0", "CPIX@contentId", 422, /"abc123" is not <channelId>\[_<endpoint>\]/],
    ["no version", tsRequest.replace('version="2.3"', ""), "2.0", "CPIX@version", 422, /Missing CPIX@version/],
    ["CPIX 2.4 under SPEKE 2.0", tsRequest.replace('version="2.3"', 'version="2.4"'), "2.0", "CPIX@version", 422, /Unsupported CPIX@version "2.4"/],
    ["no ContentKeyList", tsRequest.replace(/<cpix:ContentKeyList>[\s\S]*<\/cpix:ContentKeyList>/, ""), "2.0", "ContentKeyList", 422, /Missing ContentKeyList/],
    ["a KID that is no UUID", tsRequest.replace('kid="855d075d-f817-4132-9651-ebcf3909b3ac" commonEncryptionScheme', 'kid="not-a-kid" commonEncryptionScheme'), "2.0", "ContentKey@kid", 422, /"not-a-kid" is not a UUID/],
    ["no encryption scheme", tsRequest.replace(videoKid, 'kid="855d075d-f817-4132-9651-ebcf3909b3ac"'), "2.0", "ContentKey@commonEncryptionScheme", 422, /Missing ContentKey@commonEncryptionScheme for KID 855d075d/],
    ["mixed encryption schemes", tsRequest.replace(videoKid, 'kid="855d075d-f817-4132-9651-ebcf3909b3ac" commonEncryptionScheme="cbcs"'), "2.0", "ContentKey@commonEncryptionScheme", 422, /Non compliant/],
    ["no DRMSystemList", tsRequest.replace(/<cpix:DRMSystemList>[\s\S]*<\/cpix:DRMSystemList>/, ""), "2.0", "DRMSystemList", 422, /Missing DRMSystemList/],
    ["Irdeto", tsRequest.replaceAll("3ea8778f-7742-4bf9-b18b-e834b2acbd47", "80a6be7e-1448-4c37-9e70-d5aebe04c8d2"), "2.0", "DRMSystem@systemId", 422, /Unsupported DRMSystem@systemId 80a6be7e/],
    ["a DRMSystem for a KID not in the list", tsRequest.replace('<cpix:DRMSystem kid="855d075d-f817-4132-9651-ebcf3909b3ac"', '<cpix:DRMSystem kid="45da5043-ce14-4bd7-a98b-44b9ba7fe7a0"'), "2.0", "DRMSystem@kid", 422, /45da5043.*names no ContentKey/],
    ["no ContentKeyUsageRuleList", tsRequest.replace(/<cpix:ContentKeyUsageRuleList>[\s\S]*<\/cpix:ContentKeyUsageRuleList>/, ""), "2.0", "ContentKeyUsageRuleList", 422, /Missing ContentKeyUsageRuleList/],
    ["content key encryption", tsRequest.replace("<cpix:ContentKeyList>", "<cpix:DeliveryDataList><cpix:DeliveryData/></cpix:DeliveryDataList><cpix:ContentKeyList>"), "2.0", "DeliveryDataList", 422, /not supported/],
  ];

  it.each(cases)("refuses %s, naming the field", (_case, body, version, field, status, message) => {
    const error = refusal(() => parseSpekeRequest(body, version));

    expect(error.field).toBe(field);
    expect(error.status).toBe(status);
    expect(error.message).toMatch(message);
  });

  it("refuses anything else than a well-formed request with SpekeRequestInvalid only (fuzz, fixed seed)", () => {
    const mutated = fc.tuple(fc.nat(tsRequest.length), fc.nat(200), fc.string({ maxLength: 20 })).map(([at, cut, insert]) => tsRequest.slice(0, at) + insert + tsRequest.slice(at + cut));

    fc.assert(
      fc.property(fc.oneof(mutated, fc.string({ maxLength: 400 })), (body) => {
        try {
          const request = parseSpekeRequest(body, "2.0");
          answerSpekeRequest(request, secret, urls);
        } catch (error) {
          if (!(error instanceof SpekeRequestInvalid)) throw error;
        }
      }),
      { seed: 15, numRuns: 500 },
    );
  });
});

describe("SPEKE content ids", () => {
  it("name the channel and the endpoint, and read back", () => {
    const id = spekeContentId(channelId, "ts");

    expect(id).toBe("ch-0123456789abcdef_ts");
    expect(parseSpekeContentId(id)).toEqual({ channelId, endpoint: "ts" });
    expect(parseSpekeContentId(channelId)).toEqual({ channelId });
  });

  it.each(["abc123", "acc-0123456789abcdef_ch-0123456789abcdef", "ch-0123456789abcdef_ts_x", "ch-0123456789ABCDEF", "ch-0123456789abcdef_", "ch-0123456789abcdef_t.s"])(
    "refuses %j",
    (id) => {
      expect(refusal(() => parseSpekeContentId(id)).field).toBe("CPIX@contentId");
    },
  );
});
