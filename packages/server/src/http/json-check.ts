/**
 * What a parsed JSON value may not carry into the server: nesting past a depth, NUL characters
 * and lone UTF-16 surrogates. Checked with an explicit stack, never recursion: the check that
 * refuses a value nested 30,000 levels deep must not itself overflow the call stack on it.
 */

// With the u flag a surrogate pair is one code point; only an unpaired half is in category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a string cannot be stored, or undefined when it can.
 *
 * - NUL: Postgres `text` and `jsonb` cannot hold U+0000; refused here it is a 400, not a 500.
 * - A lone surrogate ("\ud800") is legal in a JSON string escape but is not Unicode: Node's
 *   UTF-8 encoder turns every lone surrogate into U+FFFD, so two different strings would reach
 *   the database as one (two accounts for one address), and Postgres' jsonb parser refuses the
 *   `\ud800` escape that JSON.stringify writes for it (a 500).
 */
export function textProblem(value: string): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode (it contains a lone UTF-16 surrogate)';
  return undefined;
}

export interface JsonCheck {
  /** Objects and arrays nested deeper than this are refused; the outermost container is level 1. */
  maxDepth: number;
  /** Also refuse NUL and lone surrogates in every key and string value. */
  strings: boolean;
}

/** Why `value` cannot be accepted, or undefined when it can. */
export function jsonProblem(value: unknown, { maxDepth, strings }: JsonCheck): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [current, depth] = item;
    if (typeof current === 'string') {
      const problem = strings ? textProblem(current) : undefined;
      if (problem) return problem;
    } else if (typeof current === 'object' && current !== null) {
      if (depth + 1 > maxDepth) return `must not be nested deeper than ${maxDepth} levels`;
      for (const [key, child] of Object.entries(current)) {
        const problem = strings && !Array.isArray(current) ? textProblem(key) : undefined;
        if (problem) return problem.replace('must', 'keys must');
        if (typeof child === 'object' || typeof child === 'string') stack.push([child, depth + 1]);
      }
    }
  }
  return undefined;
}
