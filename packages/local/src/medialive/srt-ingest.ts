import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { SrtIngest } from "../mediaconnect/srt-processes.ts";

export interface SrtListenerIngestOptions {
  host: string;
  port: number;
  passphrase: string;
  latencyMs: number;
  /** Callers outside the allow-list are dropped packet by packet, before SRT sees them (MediaLive's input security group). */
  allow(address: string): boolean;
  /** The caller's MPEG-TS bytes, decrypted. */
  onPayload(payload: Buffer): void;
  onRefused?(event: { remoteAddress: string; reason: string }): void;
  onExit?(reason: string): void;
}

export interface SrtListenerIngest {
  port: number;
  stats(): { bytes: number; lastPacketAt: number | undefined; refused: number };
  close(): Promise<void>;
}

/** A caller silent this long has its relay socket closed; SRT keepalives come every second. */
const PEER_IDLE_MS = 30_000;

/** A free UDP port on the loopback, for srt-live-transmit behind the relay. */
async function freeLoopbackPort(): Promise<number> {
  const probe = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    probe.once("error", reject);
    probe.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const bound = (socket: Socket, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, host, () => {
      socket.off("error", reject);
      resolve();
    });
  });

/**
 * An SRT_LISTENER ingest: srt-live-transmit listens with the channel's passphrase (a wrong or missing one fails the
 * handshake) on a loopback port, behind a UDP relay on the channel's port that lets in only the allow-list's callers,
 * each through a socket of its own, so the listener tells callers apart as it would without the relay.
 */
export async function startSrtIngest(options: SrtListenerIngestOptions): Promise<SrtListenerIngest> {
  let bytes = 0;
  let refused = 0;
  let lastPacketAt: number | undefined;
  const warned = new Set<string>();
  const listenerPort = await freeLoopbackPort();
  const listener = new SrtIngest({
    port: listenerPort,
    passphrase: options.passphrase,
    latencyMs: options.latencyMs,
    onData: (payload) => {
      bytes += payload.length;
      lastPacketAt = Date.now();
      options.onPayload(payload);
    },
    ...(options.onExit ? { onExit: options.onExit } : {}),
  });

  const front = createSocket({ type: "udp4", reuseAddr: false });
  const peers = new Map<string, { socket: Socket; lastSeen: number }>();
  const peerOf = (remote: RemoteInfo) => {
    const key = `${remote.address}:${remote.port}`;
    let peer = peers.get(key);
    if (!peer) {
      const socket = createSocket("udp4");
      socket.on("message", (packet) => front.send(packet, remote.port, remote.address));
      socket.on("error", () => undefined);
      socket.bind(0, "127.0.0.1");
      peer = { socket, lastSeen: Date.now() };
      peers.set(key, peer);
    }
    peer.lastSeen = Date.now();
    return peer;
  };
  front.on("message", (packet: Buffer, remote: RemoteInfo) => {
    if (!options.allow(remote.address)) {
      refused++;
      if (!warned.has(remote.address)) {
        warned.add(remote.address);
        options.onRefused?.({ remoteAddress: remote.address, reason: "address not in the channel's allow-list" });
      }
      return;
    }
    peerOf(remote).socket.send(packet, listenerPort, "127.0.0.1");
  });
  await bound(front, options.port, options.host);
  front.on("error", () => undefined);
  front.setRecvBufferSize(8 * 1024 * 1024);
  const sweeper = setInterval(() => {
    for (const [key, peer] of peers) {
      if (Date.now() - peer.lastSeen < PEER_IDLE_MS) continue;
      peer.socket.close();
      peers.delete(key);
    }
  }, PEER_IDLE_MS / 2);
  sweeper.unref();
  listener.start();

  return {
    port: front.address().port,
    stats: () => ({ bytes, lastPacketAt, refused }),
    close: async () => {
      clearInterval(sweeper);
      await listener.stop();
      for (const peer of peers.values()) peer.socket.close();
      peers.clear();
      await new Promise<void>((resolve) => front.close(() => resolve()));
    },
  };
}
