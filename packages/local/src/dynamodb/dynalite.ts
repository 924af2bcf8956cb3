import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import { closeLevelIteratorsOnReturn } from "./level-iterators.ts";

export interface RunningDynalite {
  endpoint: string;
  /** Stops answering (connections refused) while keeping its data, as an unreachable database would. */
  suspend(): Promise<void>;
  /** Answers again, on the same endpoint. */
  resume(): Promise<void>;
  close(): Promise<void>;
}

/** dynalite over HTTP on 127.0.0.1; in memory unless a directory is given. */
export async function startDynalite({ port = 0, path }: { port?: number; path?: string } = {}): Promise<RunningDynalite> {
  closeLevelIteratorsOnReturn();
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const listen = (on: number) =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(on, "127.0.0.1", () => {
        server.removeListener("error", reject);
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.closeAllConnections?.();
      server.close(() => resolve());
    });
  await listen(port);
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    suspend: stopListening,
    resume: () => listen(bound),
    close: stopListening,
  };
}
