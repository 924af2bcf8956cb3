import { describe, expect, it } from "vitest";
import { AmfDecodeError, type AmfValue, decodeAmf0, decodeAmf0Value, encodeAmf0 } from "./amf0.ts";

describe("AMF0", () => {
  it("round-trips every value type a command or metadata carries", () => {
    const values: AmfValue[] = [
      "connect",
      1,
      { app: "live", flashVer: "FMLE/3.0", nested: { ok: true, none: null, missing: undefined } },
      null,
      undefined,
      false,
      -12.5,
      new Map<string, AmfValue>([["duration", 5], ["encoder", "Lavf59"]]),
      [1, "two", [3]],
      new Date(Date.UTC(2026, 10, 22, 12)),
      "x".repeat(70_000),
    ];

    const decoded = decodeAmf0(encodeAmf0(...values));

    expect(decoded).toEqual(values);
    expect(decoded[7]).toBeInstanceOf(Map);
    expect(decoded[9]).toBeInstanceOf(Date);
  });

  it("reads the exact bytes of a string, an object and an ECMA array", () => {
    const bytes = Buffer.from([
      ...[0x02, 0x00, 0x03, 0x61, 0x62, 0x63], // "abc"
      ...[0x03, 0x00, 0x01, 0x6b, 0x01, 0x01, 0x00, 0x00, 0x09], // { k: true }
      ...[0x08, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0x6e, 0x05, 0x00, 0x00, 0x09], // ECMA [n: null] with a wrong count
    ]);

    expect(decodeAmf0(bytes)).toEqual(["abc", { k: true }, new Map([["n", null]])]);
    expect(decodeAmf0Value(bytes)).toEqual({ value: "abc", offset: 6 });
  });

  it("accepts a top-level ECMA array that ends with the message instead of an end marker", () => {
    const bytes = Buffer.from([0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x77, 0x00, ...Buffer.alloc(8)]);

    expect(decodeAmf0(bytes)).toEqual([new Map([["w", 0]])]);
  });

  it("keeps a key named __proto__ as data", () => {
    const decoded = decodeAmf0(encodeAmf0(JSON.parse('{"__proto__":{"polluted":true}}') as AmfValue));

    expect(Object.getPrototypeOf(decoded[0])).toBeNull();
    expect(Object.keys(decoded[0] as object)).toEqual(["__proto__"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it.each([
    ["a truncated string", [0x02, 0x00, 0x05, 0x61]],
    ["a truncated number", [0x00, 0x01, 0x02]],
    ["an unterminated object", [0x03, 0x00, 0x01, 0x6b, 0x05]],
    ["a reference", [0x07, 0x00, 0x01]],
    ["an AMF3 switch", [0x11, 0x01]],
    ["an unknown marker", [0x42]],
    ["a strict array longer than its message", [0x0a, 0xff, 0xff, 0xff, 0xff, 0x05]],
    ["objects nested too deeply", [...Array.from({ length: 40 }, () => [0x03, 0x00, 0x01, 0x61]).flat(), 0x05]],
  ])("rejects %s with an AmfDecodeError", (_, bytes) => {
    expect(() => decodeAmf0(Buffer.from(bytes))).toThrow(AmfDecodeError);
  });
});
