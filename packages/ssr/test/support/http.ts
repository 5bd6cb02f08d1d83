/** Starting Node HTTP servers for a test file, and closing them all after. */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export function httpServers() {
  const servers: Server[] = [];
  return {
    /** Listens on 127.0.0.1 with room for large cookie headers (a big session is ~20 kB of cookies). */
    async listen(listener: RequestListener): Promise<string> {
      const server = createServer({ maxHeaderSize: 128 * 1024 }, listener);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async closeAll(): Promise<void> {
      for (const server of servers.splice(0)) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
