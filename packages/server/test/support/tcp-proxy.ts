/**
 * A TCP proxy in front of a real Postgres that a test can black-hole: connections stay open but
 * nothing crosses in either direction, as when a network path or a database host silently dies.
 * The database behind it is real; only the path is cut.
 */
import net from 'node:net';

export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Stop forwarding: bytes in either direction are held back (new connections too). */
  blackHole(): void;
  /** Forward again, held bytes included. */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let open = true;
  const waiting = new Set<() => void>();
  const sockets = new Set<net.Socket>();
  // Writes `chunk` to `to` once the path is open (in order: a paused source holds the rest).
  const forward = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (open) to.write(chunk);
      else {
        from.pause();
        waiting.add(() => {
          to.write(chunk);
          from.resume();
        });
      }
    });
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream);
    forward(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    blackHole() {
      open = false;
    },
    restore() {
      open = true;
      const held = [...waiting];
      waiting.clear();
      for (const release of held) release();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
