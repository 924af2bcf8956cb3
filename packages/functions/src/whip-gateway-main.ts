// The WHIP gateway's container entry (stacks/whip-gateway.Dockerfile bundles this file): start, and on SIGTERM (ECS
// stopping the task, a deploy replacing it) end every broadcast and its forwarder before exiting.
import { logger } from "./logger.ts";
import { startWhipGatewayInAws } from "./whip-gateway-aws.ts";

try {
  const { config, publicAddress, server } = await startWhipGatewayInAws();
  logger.info("WHIP gateway listening", { port: server.port, publicAddress, icePorts: config.VISIONSTREAM_WHIP_ICE_PORTS.join("-") });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("WHIP gateway stopping", { signal, sessions: server.sessions().length });
    await server.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
} catch (error) {
  logger.error("WHIP gateway failed to start", error as Error);
  process.exit(1);
}
