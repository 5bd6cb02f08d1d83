/**
 * `@latchkey/server` as a library: start a server in-process (tests, embedding). Most users run
 * the `latchkey` CLI instead.
 */
export { startServer, prepareDatabase, type RunningServer, type StartOptions } from './server.js';
export { resolveConfig, defaultConfig, SETTINGS, type Config } from './config.js';
export { ERROR_CODES, LatchkeyError, isLatchkeyError, type ErrorCode } from './errors.js';
export type { Clock } from './clock.js';
export { createLogger, type Logger } from './log.js';
