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

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const emit = (lvl: string, msg: string, fields?: Record<string, unknown>) =>
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), msg, ...fields }) + '\n');
  return {
    info: (msg, fields) => level === 'info' && emit('info', msg, fields),
    warn: (msg, fields) => level !== 'silent' && emit('warn', msg, fields),
    error: (msg, fields) => level !== 'silent' && emit('error', msg, fields),
  };
}
