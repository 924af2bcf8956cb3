/**
 * The WHIP gateway alone, in a process of its own so that its CPU is its own: every publish goes to the RTMP URL given
 * as the argument. Prints {"url": ...} once listening; stops on SIGTERM.
 */
import { startWhipServer } from "@visionstream/whip";

const { rtmpUrl } = JSON.parse(process.argv[2] ?? "{}") as { rtmpUrl: string };
const server = await startWhipServer({
  host: "127.0.0.1",
  port: 0,
  prefix: "/whip/channels",
  publishTarget: async () => ({ key: "bench", rtmpUrls: [rtmpUrl] }),
  errorResponse: () => undefined,
  onEvent: (event) => event.type !== "started" && console.error(`gateway: ${event.type} ${event.reason ?? ""}`),
  ice: { iceAdditionalHostAddresses: ["127.0.0.1"], iceInterfaceAddresses: { udp4: "127.0.0.1" } },
});
process.once("SIGTERM", () => void server.close().then(() => process.exit(0)));
console.log(JSON.stringify({ url: server.url }));
