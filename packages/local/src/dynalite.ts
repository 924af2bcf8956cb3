import type { AddressInfo } from "node:net";
import dynalite from "dynalite";

export interface RunningDynalite {
  endpoint: string;
  close(): Promise<void>;
}

/** dynalite over HTTP on 127.0.0.1; in memory unless a directory is given. */
export async function startDynalite({ port = 0, path }: { port?: number; path?: string } = {}): Promise<RunningDynalite> {
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
