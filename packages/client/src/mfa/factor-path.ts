/** The path of a factor (`/factors/:id…`), or an `invalid_argument` for an unusable id. */
import { invalid } from '../flows/result.js';

export function factorPath(factorId: unknown, suffix = ''): string {
  if (typeof factorId !== 'string' || factorId === '') throw invalid('Pass the factor id as factorId.');
  return `/factors/${encodeURIComponent(factorId)}${suffix}`;
}
