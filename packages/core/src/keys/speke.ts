import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { ChannelId } from "../ids.ts";
import { contentKey, InvalidKeyId, kidAsUuid, normalizeKid } from "./content-keys.ts";

export { spekeContentId } from "./speke-content-id.ts";

/**
 * SPEKE v2 (CPIX 2.3) and v2.1 (CPIX 2.4) as MediaPackage v2 speaks it, without HTTP: parse the encryptor's CPIX
 * document, then answer it with the content keys and the signaling of each DRM system asked for.
 * https://docs.aws.amazon.com/speke/latest/documentation/the-speke-api-v2.html
 * https://docs.aws.amazon.com/mediapackage/latest/userguide/implementing-speke-v2.html
 */

/** X-Speke-Version -> the CPIX@version that goes with it. */
export const SPEKE_VERSIONS: Readonly<Record<string, string>> = { "2.0": "2.3", "2.1": "2.4" };

export const DRM_SYSTEM_IDS = {
  /** MediaPackage v2's CLEAR_KEY_AES_128 (HLS AES-128 in TS). */
  clearKeyAes128: "3ea8778f-7742-4bf9-b18b-e834b2acbd47",
  /** The HLS AES-128 id of AWS's SPEKE reference server (SPEKE v1 setups). */
  hlsAes128: "81376844-f976-481e-a84e-cc25d39b0b33",
  /** W3C Common PSSH: ClearKey in CENC init segments. */
  commonPssh: "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",
  /** DASH-IF ClearKey ContentProtection scheme. */
  dashIfClearKey: "e2719d58-a985-b3c9-781a-b030af78d30e",
  /**
   * What MediaPackage v2 offers for CMAF. Answered with the content keys and standard, license-free signaling (a pssh
   * naming the KID, an skd:// URI): we run no Widevine, PlayReady or FairPlay license server, so players decrypt with
   * ClearKey (same KID, same key from our key delivery).
   */
  widevine: "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed",
  playReady: "9a04f079-9840-4286-ab92-e65be0885f95",
  fairPlay: "94ce86fb-07ff-4f43-adb8-93d2fa968ca2",
} as const;

const HLS_SYSTEMS: ReadonlySet<string> = new Set([DRM_SYSTEM_IDS.clearKeyAes128, DRM_SYSTEM_IDS.hlsAes128]);
const PSSH_SYSTEMS: ReadonlySet<string> = new Set([DRM_SYSTEM_IDS.commonPssh, DRM_SYSTEM_IDS.widevine, DRM_SYSTEM_IDS.playReady]);
const SUPPORTED_SYSTEMS: ReadonlySet<string> = new Set(Object.values(DRM_SYSTEM_IDS));
const SCHEMES: ReadonlySet<string> = new Set(["cenc", "cbc1", "cens", "cbcs", "AES-128", "SAMPLE-AES"]);
const CPIX_NS = "urn:dashif:org:cpix";
const PSKC_NS = "urn:ietf:params:xml:ns:keyprov:pskc";
const MAX_CONTENT_KEYS = 64;
export const MAX_CPIX_BYTES = 256 * 1024;
export const SPEKE_USER_AGENT = "VisionStream key server";

/** A request the key server refuses, naming the header, element or attribute at fault (AWS's words where it has some). */
export class SpekeRequestInvalid extends Error {
  override name = "SpekeRequestInvalid";
  constructor(
    readonly field: string,
    message: string,
    /** 400 for what is not a CPIX document at all, 422 for a CPIX document the key server cannot answer (AWS's choice). */
    readonly status: 400 | 413 | 422 = 422,
  ) {
    super(message);
  }
}

/** Whose keys a CPIX document asks for: the channel's (keys are derived from its id). */
export interface SpekeContent {
  channelId: string;
  /** Tells apart the endpoints of one channel: MediaPackage refuses one ResourceId on two encryption processes at once. */
  endpoint?: string;
}

export function parseSpekeContentId(contentId: string): SpekeContent {
  const [channelId = "", endpoint, ...rest] = contentId.split("_");
  if (!ChannelId.safeParse(channelId).success || rest.length > 0 || (endpoint !== undefined && !/^[0-9a-zA-Z-]{1,64}$/.test(endpoint)))
    throw new SpekeRequestInvalid("CPIX@contentId", `CPIX@contentId "${contentId.slice(0, 300)}" is not <channelId>[_<endpoint>] (like ch-0123456789abcdef_ts)`);
  return { channelId, ...(endpoint !== undefined ? { endpoint } : {}) };
}

type Attributes = Record<string, string>;
/** fast-xml-parser's preserveOrder shape: one key naming the element (or "#text"), its children, and ":@" attributes. */
type XmlNode = { [name: string]: XmlNode[] | string | Attributes | undefined; ":@"?: Attributes };

const ATTRIBUTE = "@_";
const xmlOptions = { preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: ATTRIBUTE } as const;
const parser = new XMLParser({ ...xmlOptions, parseTagValue: false, parseAttributeValue: false, trimValues: true, processEntities: true, htmlEntities: false });
const builder = new XMLBuilder({ ...xmlOptions, suppressEmptyNode: true, processEntities: true });

const nameOf = (node: XmlNode) => Object.keys(node).find((key) => key !== ":@")!;
const childrenOf = (node: XmlNode) => {
  const value = node[nameOf(node)];
  return Array.isArray(value) ? value : [];
};
const attribute = (node: XmlNode, name: string): string | undefined => node[":@"]?.[`${ATTRIBUTE}${name}`];
const textOf = (node: XmlNode) => childrenOf(node).map((child) => (typeof child["#text"] === "string" ? child["#text"] : "")).join("");

export interface SpekeContentKey {
  /** As the request wrote it (a UUID), echoed in the answer. */
  kid: string;
  /** 32 lowercase hex digits. */
  hex: string;
  commonEncryptionScheme: string;
}

export interface SpekeDrmSystem {
  systemId: string;
  kid: string;
}

export interface SpekeRequest {
  spekeVersion: string;
  cpixVersion: string;
  contentId: string;
  content: SpekeContent;
  contentKeys: SpekeContentKey[];
  drmSystems: SpekeDrmSystem[];
  /** The parsed document, answered in place. */
  document: XmlNode[];
  prefixes: { cpix: string; pskc: string | undefined };
}

/** Reads the namespace prefixes the root declares; CPIX's elements are matched by namespace, whatever their prefix. */
function prefixesOf(root: XmlNode): SpekeRequest["prefixes"] {
  const declared = Object.entries(root[":@"] ?? {}).filter(([key]) => key === `${ATTRIBUTE}xmlns` || key.startsWith(`${ATTRIBUTE}xmlns:`));
  const prefixFor = (namespace: string) => {
    const found = declared.find(([, value]) => value === namespace)?.[0];
    if (found === undefined) return undefined;
    const local = found.slice(`${ATTRIBUTE}xmlns`.length);
    return local === "" ? "" : `${local.slice(1)}:`;
  };
  const cpix = prefixFor(CPIX_NS);
  if (cpix === undefined) throw new SpekeRequestInvalid("CPIX", `the root element does not declare the CPIX namespace ${CPIX_NS}`, 400);
  return { cpix, pskc: prefixFor(PSKC_NS) };
}

function children(parent: XmlNode, prefix: string, local: string): XmlNode[] {
  return childrenOf(parent).filter((child) => nameOf(child) === `${prefix}${local}`);
}

function onlyChild(parent: XmlNode, prefix: string, local: string, field = local): XmlNode | undefined {
  const found = children(parent, prefix, local);
  if (found.length > 1) throw new SpekeRequestInvalid(field, `more than one ${local} element`);
  return found[0];
}

function uuidAttribute(node: XmlNode, element: string, name: string, index: number): string {
  const value = attribute(node, name);
  if (value === undefined || value === "") throw new SpekeRequestInvalid(`${element}@${name}`, `Missing ${element}@${name} (${element} #${index + 1})`);
  try {
    return normalizeKid(value);
  } catch (error) {
    if (error instanceof InvalidKeyId) throw new SpekeRequestInvalid(`${element}@${name}`, `${element}@${name} "${value.slice(0, 100)}" is not a UUID (${element} #${index + 1})`);
    throw error;
  }
}

/**
 * Parses a SPEKE v2 request: the X-Speke-Version header and the CPIX document of its body. Throws SpekeRequestInvalid
 * naming what is wrong; no key is made here.
 */
export function parseSpekeRequest(body: string, spekeVersionHeader: string | undefined): SpekeRequest {
  if (spekeVersionHeader === undefined || spekeVersionHeader.trim() === "")
    throw new SpekeRequestInvalid("X-Speke-Version", "Missing X-Speke-Version header: this key server speaks SPEKE v2 (2.0 or 2.1)", 400);
  const spekeVersion = spekeVersionHeader.trim();
  const expectedCpix = SPEKE_VERSIONS[spekeVersion];
  if (expectedCpix === undefined)
    throw new SpekeRequestInvalid("X-Speke-Version", `Unsupported SPEKE version "${spekeVersion.slice(0, 20)}": supported are ${Object.keys(SPEKE_VERSIONS).join(", ")}`);
  if (Buffer.byteLength(body) > MAX_CPIX_BYTES) throw new SpekeRequestInvalid("body", `the CPIX document is larger than ${MAX_CPIX_BYTES} bytes`, 413);
  if (body.trim() === "") throw new SpekeRequestInvalid("body", "the request has no CPIX document", 400);
  // CPIX has no DTD; refusing one keeps entity expansion out entirely.
  if (/<!DOCTYPE/i.test(body)) throw new SpekeRequestInvalid("body", "a CPIX document has no DOCTYPE", 400);
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new SpekeRequestInvalid("body", `the body is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`, 400);

  let document: XmlNode[];
  try {
    document = parser.parse(body) as XmlNode[];
  } catch (error) {
    // The validator lets some malformed declarations through that the parser then refuses (found by the fuzz test).
    throw new SpekeRequestInvalid("body", `the body is not well-formed XML: ${error instanceof Error ? error.message.slice(0, 200) : "unreadable"}`, 400);
  }
  const roots = document.filter((node) => !nameOf(node).startsWith("?"));
  const root = roots[0];
  if (roots.length !== 1 || !root || !/^(?:[^:]+:)?CPIX$/.test(nameOf(root)))
    throw new SpekeRequestInvalid("CPIX", "the document's root element is not CPIX", 400);
  const prefixes = prefixesOf(root);
  if (nameOf(root) !== `${prefixes.cpix}CPIX`) throw new SpekeRequestInvalid("CPIX", `the root element is not CPIX in the namespace ${CPIX_NS}`, 400);
  const p = prefixes.cpix;

  const contentId = attribute(root, "contentId");
  if (contentId === undefined || contentId === "") throw new SpekeRequestInvalid("CPIX@contentId", "Missing CPIX@contentId");
  const cpixVersion = attribute(root, "version");
  if (cpixVersion === undefined || cpixVersion === "") throw new SpekeRequestInvalid("CPIX@version", "Missing CPIX@version");
  if (cpixVersion !== expectedCpix)
    throw new SpekeRequestInvalid("CPIX@version", `Unsupported CPIX@version "${cpixVersion.slice(0, 20)}": SPEKE ${spekeVersion} goes with CPIX ${expectedCpix}`);
  const content = parseSpekeContentId(contentId);
  if (onlyChild(root, p, "DeliveryDataList"))
    throw new SpekeRequestInvalid("DeliveryDataList", "content key encryption (DeliveryDataList) is not supported: keys are answered in pskc:PlainValue over HTTPS");

  const keyList = onlyChild(root, p, "ContentKeyList");
  if (!keyList) throw new SpekeRequestInvalid("ContentKeyList", "Missing ContentKeyList");
  const keyNodes = children(keyList, p, "ContentKey");
  if (keyNodes.length === 0) throw new SpekeRequestInvalid("ContentKey", "ContentKeyList has no ContentKey");
  if (keyNodes.length > MAX_CONTENT_KEYS) throw new SpekeRequestInvalid("ContentKey", `more than ${MAX_CONTENT_KEYS} ContentKey elements`);
  const contentKeys = keyNodes.map((node, index): SpekeContentKey => {
    const hex = uuidAttribute(node, "ContentKey", "kid", index);
    const kid = attribute(node, "kid")!;
    const scheme = attribute(node, "commonEncryptionScheme");
    if (scheme === undefined || scheme === "") throw new SpekeRequestInvalid("ContentKey@commonEncryptionScheme", `Missing ContentKey@commonEncryptionScheme for KID ${kid}`);
    if (!SCHEMES.has(scheme))
      throw new SpekeRequestInvalid("ContentKey@commonEncryptionScheme", `Unsupported ContentKey@commonEncryptionScheme "${scheme.slice(0, 20)}" for KID ${kid}`);
    return { kid, hex, commonEncryptionScheme: scheme };
  });
  const kids = new Set<string>();
  for (const key of contentKeys) {
    if (kids.has(key.hex)) throw new SpekeRequestInvalid("ContentKey@kid", `KID ${key.kid} appears in more than one ContentKey`);
    kids.add(key.hex);
  }
  if (new Set(contentKeys.map((key) => key.commonEncryptionScheme)).size > 1)
    throw new SpekeRequestInvalid("ContentKey@commonEncryptionScheme", "Non compliant ContentKey@commonEncryptionScheme combination");

  const systemList = onlyChild(root, p, "DRMSystemList");
  if (!systemList) throw new SpekeRequestInvalid("DRMSystemList", "Missing DRMSystemList");
  const drmSystems = children(systemList, p, "DRMSystem").map((node, index): SpekeDrmSystem => {
    const systemId = kidAsUuid(uuidAttribute(node, "DRMSystem", "systemId", index));
    if (!SUPPORTED_SYSTEMS.has(systemId))
      throw new SpekeRequestInvalid(
        "DRMSystem@systemId",
        `Unsupported DRMSystem@systemId ${systemId}: this key server answers ${[...SUPPORTED_SYSTEMS].join(", ")}`,
      );
    const kid = uuidAttribute(node, "DRMSystem", "kid", index);
    if (!kids.has(kid)) throw new SpekeRequestInvalid("DRMSystem@kid", `DRMSystem@kid ${attribute(node, "kid")} names no ContentKey of the ContentKeyList`);
    return { systemId, kid };
  });
  if (drmSystems.length === 0) throw new SpekeRequestInvalid("DRMSystem", "DRMSystemList has no DRMSystem");

  const ruleList = onlyChild(root, p, "ContentKeyUsageRuleList");
  if (!ruleList) throw new SpekeRequestInvalid("ContentKeyUsageRuleList", "Missing ContentKeyUsageRuleList");
  children(ruleList, p, "ContentKeyUsageRule").forEach((node, index) => {
    const kid = uuidAttribute(node, "ContentKeyUsageRule", "kid", index);
    if (!kids.has(kid))
      throw new SpekeRequestInvalid("ContentKeyUsageRule@kid", `ContentKeyUsageRule@kid ${attribute(node, "kid")} names no ContentKey of the ContentKeyList`);
  });

  return { spekeVersion, cpixVersion, contentId, content, contentKeys, drmSystems, document, prefixes };
}

/**
 * Where players get a channel's keys: the HLS AES-128 key URI of a KID, and the ClearKey license server. Absolute or
 * relative URIs, as the runtime's CDN needs (AWS: root-relative under the channel's MediaPackage path).
 */
export interface SpekeKeyUrls {
  /** `playlist`: where the URI is written, for relative URIs (a media playlist sits a level below the multivariant one). */
  key(channelId: string, kid: string, playlist: "media" | "master"): string;
  clearKeyLicense(channelId: string): string;
}

export interface SpekeAnswer {
  headers: Record<string, string>;
  body: string;
  /** The KIDs answered, 32 hex digits each (no key). */
  kids: string[];
}

const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const element = (name: string, childNodes: XmlNode[], attributes?: Attributes): XmlNode => ({ [name]: childNodes, ...(attributes ? { ":@": attributes } : {}) });
const text = (value: string): XmlNode => ({ "#text": value });

/**
 * A version 1 'pssh' box of a system naming one KID, with no system data: the W3C Common PSSH
 * (https://www.w3.org/TR/eme-initdata-cenc/), and a license-free stand-in for the other systems.
 */
export function psshBox(systemId: string, kid: string): Buffer {
  const box = Buffer.alloc(52);
  box.writeUInt32BE(52, 0);
  box.write("pssh", 4, "latin1");
  box.writeUInt32BE(0x01000000, 8);
  Buffer.from(normalizeKid(systemId), "hex").copy(box, 12);
  box.writeUInt32BE(1, 28);
  Buffer.from(normalizeKid(kid), "hex").copy(box, 32);
  box.writeUInt32BE(0, 48);
  return box;
}

/** The DRMSystem's children, as each system signals the key: HLS tags, a pssh, or a DASH ContentProtection fragment. */
function signaling(request: SpekeRequest, system: SpekeDrmSystem, existing: XmlNode[], urls: SpekeKeyUrls): XmlNode[] {
  const p = request.prefixes.cpix;
  const { channelId } = request.content;
  const asked = (local: string) => existing.some((child) => nameOf(child) === `${p}${local}`);
  // The media playlist's EXT-X-KEY and, for the multivariant playlist, the same as EXT-X-SESSION-KEY.
  const hlsSignaling = (media: string, master = media) => [
    element(`${p}HLSSignalingData`, [text(base64(media))], { [`${ATTRIBUTE}playlist`]: "media" }),
    element(`${p}HLSSignalingData`, [text(base64(master.replace("#EXT-X-KEY:", "#EXT-X-SESSION-KEY:")))], { [`${ATTRIBUTE}playlist`]: "master" }),
  ];
  if (HLS_SYSTEMS.has(system.systemId)) {
    const uri = urls.key(channelId, system.kid, "media");
    const hls = hlsSignaling(`#EXT-X-KEY:METHOD=AES-128,URI="${uri}"`, `#EXT-X-KEY:METHOD=AES-128,URI="${urls.key(channelId, system.kid, "master")}"`);
    // URIExtXKey is deprecated in SPEKE v2 but is what MediaPackage puts into EXT-X-KEY's URI for AES-128.
    return [element(`${p}URIExtXKey`, [text(base64(uri))]), ...hls];
  }
  if (PSSH_SYSTEMS.has(system.systemId)) {
    const pssh = psshBox(system.systemId, system.kid).toString("base64");
    const hlsKey = `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text/plain;base64,${pssh}",KEYID=0x${system.kid},KEYFORMAT="urn:uuid:${system.systemId}",KEYFORMATVERSIONS="1"`;
    return [
      element(`${p}PSSH`, [text(pssh)]),
      element(`${p}ContentProtectionData`, [text(base64(`<pssh xmlns="urn:mpeg:cenc:2013">${pssh}</pssh>`))]),
      ...(asked("HLSSignalingData") ? hlsSignaling(hlsKey) : []),
    ];
  }
  if (system.systemId === DRM_SYSTEM_IDS.fairPlay) {
    // FairPlay's key URI names the KID for a key server (skd://); no FairPlay license server stands behind it.
    return hlsSignaling(`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://${system.kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`);
  }
  const license = urls.clearKeyLicense(channelId).replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return [element(`${p}ContentProtectionData`, [text(base64(`<dashif:Laurl xmlns:dashif="https://dashif.org" Lic_type="EME-1.0">${license}</dashif:Laurl>`))])];
}

/**
 * The answer to a parsed request: the same CPIX document with each ContentKey's value (pskc:PlainValue) and each
 * DRMSystem's signaling filled in, contentId and version untouched, with SPEKE's response headers.
 * Keys are the channel's: contentKey(secret, channelId, kid), the same on every call.
 */
export function answerSpekeRequest(request: SpekeRequest, secret: Buffer, urls: SpekeKeyUrls): SpekeAnswer {
  const p = request.prefixes.cpix;
  const document = structuredClone(request.document);
  const root = document.find((node) => nameOf(node) === `${p}CPIX`)!;
  let pskc = request.prefixes.pskc;
  if (pskc === undefined) {
    pskc = "pskc:";
    root[":@"] = { ...root[":@"], [`${ATTRIBUTE}xmlns:pskc`]: PSKC_NS };
  }
  const rootChildren = childrenOf(root);

  for (const keyNode of children(rootChildren.find((node) => nameOf(node) === `${p}ContentKeyList`)!, p, "ContentKey")) {
    const { key } = contentKey(secret, request.content.channelId, attribute(keyNode, "kid")!);
    const kept = childrenOf(keyNode).filter((child) => nameOf(child) !== `${p}Data`);
    const data = element(`${p}Data`, [element(`${pskc}Secret`, [element(`${pskc}PlainValue`, [text(key.toString("base64"))])])]);
    keyNode[nameOf(keyNode)] = [data, ...kept];
  }

  const systemNodes = children(rootChildren.find((node) => nameOf(node) === `${p}DRMSystemList`)!, p, "DRMSystem");
  systemNodes.forEach((systemNode, index) => {
    const system = request.drmSystems[index]!;
    systemNode[nameOf(systemNode)] = signaling(request, system, childrenOf(systemNode), urls);
  });

  return {
    headers: {
      "Content-Type": "application/xml",
      "X-Speke-Version": request.spekeVersion,
      "X-Speke-User-Agent": SPEKE_USER_AGENT,
      // SPEKE v1's name of the same header, for encryptors that still read it.
      "Speke-User-Agent": SPEKE_USER_AGENT,
    },
    body: builder.build(document) as string,
    kids: request.contentKeys.map((key) => key.hex),
  };
}

/** The text of a pskc:PlainValue answered for a KID, for tests and tools reading an answer. */
export function answeredKeys(body: string): Map<string, Buffer> {
  const document = parser.parse(body) as XmlNode[];
  const root = document.find((node) => /(?:^|:)CPIX$/.test(nameOf(node)));
  const found = new Map<string, Buffer>();
  if (!root) return found;
  const { cpix: p, pskc } = prefixesOf(root);
  const keyList = onlyChild(root, p, "ContentKeyList");
  for (const keyNode of keyList ? children(keyList, p, "ContentKey") : []) {
    const value = children(keyNode, p, "Data")
      .flatMap((data) => children(data, pskc ?? "pskc:", "Secret"))
      .flatMap((secretNode) => children(secretNode, pskc ?? "pskc:", "PlainValue"))[0];
    if (value) found.set(normalizeKid(attribute(keyNode, "kid") ?? ""), Buffer.from(textOf(value), "base64"));
  }
  return found;
}
