import { afterAll, afterEach, expect, vi } from "vitest";

// A vitest setup file (vitest.config.ts): in every test file that uses aws-sdk-client-mock, each stub's requests are
// checked against AWS's service models after each test, and a request AWS would refuse fails that test. Test files
// without stubs never load the checks.
const state = vi.hoisted(() => ({ capture: undefined as typeof import("./capture.ts") | undefined }));

vi.mock("aws-sdk-client-mock", async (importOriginal) => {
  const original = await importOriginal<typeof import("aws-sdk-client-mock")>();
  state.capture = await import("./capture.ts");
  return { ...original, mockClient: state.capture.capturing(original.mockClient) };
});

afterEach(() => {
  state.capture?.checkCapturedRequests();
});

afterAll(() => {
  try {
    state.capture?.checkCapturedRequests();
  } finally {
    state.capture?.writeRequestsSummary(expect.getState().testPath);
  }
});
