import { describe, expect, it } from "vitest";
import { parseResourcePrefix } from "../packages/aws/src/account-resources.ts";
import { InvalidStageName, PREFIXED_NAMES, checkStageName, maxStageLength } from "./stage-name.ts";

describe("checkStageName", () => {
  it("gives the resource prefix of a stage AWS can name everything after", () => {
    expect(checkStageName("prod")).toBe("visionstream-prod");
    expect(checkStageName("pr-1234")).toBe("visionstream-pr-1234");
    expect(checkStageName("dev-accounting")).toBe("visionstream-dev-accounting");
  });

  it("allows 29 characters: the account bucket (<prefix>-acc-<16>, at most 63) is the tightest name", () => {
    const longest = "a".repeat(29);

    expect(maxStageLength("visionstream")).toBe(29);
    expect(checkStageName(longest)).toBe(`visionstream-${longest}`);
    for (const { name, max } of PREFIXED_NAMES) expect(name(`visionstream-${longest}`).length).toBeLessThanOrEqual(max);
    expect(() => checkStageName(`${longest}b`)).toThrow(/at most 29 characters \(this one has 30\): too long for the account bucket \(64 > 63\)/);
  });

  it("accepts only stages whose prefix the functions accept at cold start", () => {
    for (const stage of ["a", "0", "x".repeat(29), "a-b-c", "-edge-", "acc", "acc-first"]) {
      expect(() => parseResourcePrefix(checkStageName(stage))).not.toThrow();
    }
  });

  it("refuses upper case, dots and other characters, naming the rule", () => {
    for (const stage of ["Prod", "prod.eu", "prod_eu", "prod eu", "", "prød"]) {
      expect(() => checkStageName(stage)).toThrow(InvalidStageName);
    }
    expect(() => checkStageName("Prod")).toThrow(/The stage name "Prod" cannot be deployed:\n {2}- lower-case letters, digits and hyphens only/);
  });

  it("refuses stages whose buckets would start like another stage's (-acc- inside, -acc at the end)", () => {
    for (const stage of ["prod-acc-x", "prod-acc"]) expect(() => checkStageName(stage)).toThrow(/-acc/);
  });

  it("lists every fault at once", () => {
    let error: unknown;
    try {
      checkStageName(`Prod-acc-${"x".repeat(30)}`);
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(InvalidStageName);
    expect((error as InvalidStageName).faults).toHaveLength(3);
  });
});
