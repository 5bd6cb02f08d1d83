/**
 * The console's static files, shipped in @latchkey/server: console/index.html and style.css as
 * written, and console/dist/*.js compiled from console/src by the package's `tsc -b`. Read from
 * disk on first use and kept in memory; nothing is built or started at run time.
 */
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';

const ROOT = new URL('../../console/', import.meta.url);

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

/**
 * The file a console path names, or undefined. Only these shapes are served: no `..`, no other
 * directory, whatever the path says.
 */
function assetFile(pathname: string): string | undefined {
  if (pathname === '/console' || pathname === '/console/') return 'index.html';
  if (pathname === '/console/style.css') return 'style.css';
  const script = /^\/console\/js\/((?:[a-z-]+\/)?[a-z-]+\.js)$/.exec(pathname);
  return script ? `dist/${script[1]}` : undefined;
}

const cache = new Map<string, Buffer>();

function read(file: string): Buffer | undefined {
  let content = cache.get(file);
  if (content === undefined) {
    try {
      content = readFileSync(new URL(file, ROOT));
    } catch {
      return undefined;
    }
    cache.set(file, content);
  }
  return content;
}

/** True when `pathname` is a console asset path (the caller then lets this answer it). */
export function isConsoleAsset(pathname: string): boolean {
  return assetFile(pathname) !== undefined;
}

/** Sends the asset, or a 404 when it is missing (a build that did not compile the console). */
export function sendConsoleAsset(pathname: string, res: ServerResponse, head: boolean): void {
  const file = assetFile(pathname);
  const content = file === undefined ? undefined : read(file);
  if (file === undefined || content === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(head ? undefined : 'Not found\n');
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[file.slice(file.lastIndexOf('.') + 1)] as string, 'content-length': content.length });
  res.end(head ? undefined : content);
}
