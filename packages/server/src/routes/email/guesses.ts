/**
 * Wrong codes and links are limited per address and per client IP, in the database so every
 * process counts them together. A 6-digit code is one of 10^6: with GUESSES_PER_ADDRESS wrong
 * guesses an hour on an address, whoever guesses succeeds with probability 10 / 10^6 per hour
 * (about 0.7% a month of trying non-stop), and a fresh code per request does not reset the count.
 * Links carry 256 random bits and cannot be guessed; their failures still count per IP, so junk
 * costs its sender.
 *
 * Locking an address out of code verification is the price: whoever knows an address can spend
 * its guesses. Its links keep working (they are not counted per address), and the lock lasts an
 * hour at most.
 */
import type { App } from '../../app.js';
import { LatchkeyError } from '../../errors.js';
import { addressKey } from '../../http/rate-limit.js';
import type { RequestInfo } from '../../http/route.js';
import { countEvents, firstSpent, type Limit } from '../../store/send-limits.js';

export const GUESSES_PER_ADDRESS = 10;
export const GUESSES_PER_IP = 30;
const WINDOW_SECONDS = 3600;

function limits(request: RequestInfo, address: string | undefined): Limit[] {
  const list: Limit[] = [{ key: `guess-ip:${addressKey(request.ip)}`, max: GUESSES_PER_IP, windowSeconds: WINDOW_SECONDS }];
  if (address !== undefined) list.push({ key: `guess:${address}`, max: GUESSES_PER_ADDRESS, windowSeconds: WINDOW_SECONDS });
  return list;
}

/** Refuses (429) a verification from an IP, or for an address, that has spent its wrong guesses. */
export async function assertGuessesLeft(app: App, request: RequestInfo, address: string | undefined): Promise<void> {
  if (!app.config.rateLimits) return;
  const spent = await firstSpent(app.db, limits(request, address), request.now);
  if (!spent) return;
  app.metrics.rateLimited.inc({ rule: spent.key.startsWith('guess:') ? 'wrongCodesPerAddress' : 'wrongCodesPerIp' });
  throw new LatchkeyError(
    'over_request_rate_limit',
    `Too many failed verification attempts. For security purposes, you can only try again after ${spent.retryAfterSeconds} seconds.`,
  );
}

/** Counts one wrong code or link against the IP and, for a code, the address. */
export async function countWrongGuess(app: App, request: RequestInfo, address: string | undefined): Promise<void> {
  if (!app.config.rateLimits) return;
  await countEvents(app.db, limits(request, address), request.now);
}
