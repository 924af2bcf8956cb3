import { type Agent, get as httpGet } from "node:http";

export type Answer = { status: number; length: number; expected: number; text: string };

export interface GetOptions {
  agent: Agent;
  timeoutMs: number;
  /** Called when a kept-alive connection turned out closed and the request was sent again on a new one. */
  onRetry: () => void;
}

class ReusedSocketClosed extends Error {
  override name = "ReusedSocketClosed";
}

/**
 * A GET over node:http (far cheaper per byte than fetch here, and the load generator shares the machine), read to its
 * end: the text of anything but video, the length of video (its bytes counted, not kept, as a player hands them to its
 * decoder). When a kept-alive connection turns out closed before any answer began, it is sent once more on a new one,
 * as browsers do (Node's agent does not).
 */
export async function httpGetWhole(url: string, options: GetOptions): Promise<Answer> {
  try {
    return await getOnce(url, options);
  } catch (error) {
    if (!(error instanceof ReusedSocketClosed)) throw error;
    options.onRetry();
    return getOnce(url, options);
  }
}

function getOnce(url: string, { agent, timeoutMs }: GetOptions): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpGet(url, { agent, timeout: timeoutMs }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      let length = 0;
      const textual = !(response.headers["content-type"] ?? "").startsWith("video/");
      response.on("data", (chunk: Buffer) => {
        length += chunk.length;
        if (textual) chunks.push(chunk);
      });
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, length, expected: Number(response.headers["content-length"]), text: Buffer.concat(chunks).toString("utf8") }),
      );
      response.on("error", reject);
      response.on("aborted", () => reject(new Error("aborted")));
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error("timed out"), { name: "TimeoutError" })));
    req.on("error", (error: NodeJS.ErrnoException) =>
      reject(req.reusedSocket && !answered && error.code === "ECONNRESET" ? new ReusedSocketClosed(error.message) : error),
    );
  });
}
