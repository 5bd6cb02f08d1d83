/**
 * JSON-lines logging to stdout. Callers pass structured fields; none may carry a token, a
 * password, a password hash, a key or a cookie — log ids, never credentials.
 */
export type LogLevel = 'info' | 'warn' | 'silent';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

let pending: string[] = [];
let flushScheduled = false;
let exitHooked = false;

function flushStdout(): void {
  flushScheduled = false;
  if (pending.length === 0) return;
  const chunk = pending.join('');
  pending = [];
  process.stdout.write(chunk);
}

/**
 * Lines logged in one event-loop turn leave in one write: stdout writes to files and pipes are
 * synchronous system calls, one per request line at the default level (which cost the refresh
 * path ≈ 7% of its event-loop time per refresh in all: BENCHMARKS.md). Whatever is pending when
 * the process exits is written on the way out.
 */
function bufferedStdout(line: string): void {
  pending.push(line);
  if (flushScheduled) return;
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', flushStdout);
  }
  flushScheduled = true;
  setImmediate(flushStdout);
}

export function createLogger(level: LogLevel, write: (line: string) => void = bufferedStdout): Logger {
  const emit = (lvl: string, msg: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...fields }) + '\n');
  return {
    info: (msg, fields) => level === 'info' && emit('info', msg, fields),
    warn: (msg, fields) => level !== 'silent' && emit('warn', msg, fields),
    error: (msg, fields) => level !== 'silent' && emit('error', msg, fields),
  };
}
