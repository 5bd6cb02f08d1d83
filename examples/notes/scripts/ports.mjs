/** Choosing the demo's ports: the one asked for, or a free one, never a stack trace. */
import { createServer } from 'node:net';

/** A start-up failure with a one-line message that says what to do. */
export class DemoStartError extends Error {
  name = 'DemoStartError';
}

/** Whether `port` can be listened on at `host` right now. */
export function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * The port to use for one of the demo's servers.
 *
 * - `variable` set (e.g. `AUTH_PORT=9999`): that port, or a one-line error naming the variable
 *   when it is taken — the user asked for it, so silently moving would surprise them.
 * - unset: `preferred` when free, else the next free one of the following 50; `moved` says so.
 *
 * @param {{ variable: string, value: string | undefined, preferred: number, host?: string }} options
 * @returns {Promise<{ port: number, moved?: string }>}
 */
export async function choosePort({ variable, value, preferred, host = '127.0.0.1' }) {
  if (value !== undefined && value !== '') {
    const port = Number(value);
    if (!/^\d+$/.test(value.trim()) || port > 65535)
      throw new DemoStartError(`${variable} must be a port number (0-65535), got "${value}"`);
    if (port !== 0 && !(await isPortFree(port, host)))
      throw new DemoStartError(
        `port ${port} (${variable}) is in use by another process; set ${variable} to a free port, e.g. ${variable}=${port + 1} npm run demo`,
      );
    return { port };
  }
  for (let port = preferred; port <= Math.min(preferred + 50, 65535); port++) {
    if (await isPortFree(port, host)) {
      return port === preferred ? { port } : { port, moved: `port ${preferred} is in use; using ${port} (set ${variable} to choose)` };
    }
  }
  throw new DemoStartError(`ports ${preferred}-${preferred + 50} are all in use; set ${variable} to a free port`);
}

/** True for a Node error saying the address is taken. */
export function isAddressInUse(error) {
  return error?.code === 'EADDRINUSE' || /EADDRINUSE/.test(String(error?.message ?? error));
}
