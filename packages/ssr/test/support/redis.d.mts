/** Types for redis.mjs. */
export interface TestRedis {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(...args: (string | number)[]): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  pttl(key: string): Promise<number>;
  quit(): Promise<unknown>;
}
export function connectRedis(url: string): Promise<TestRedis>;
export function dropPrefix(redis: TestRedis, prefix: string): Promise<void>;
