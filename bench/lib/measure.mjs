/**
 * One measurement of a contender under refresh load, with the CPU each party used meanwhile:
 * the server process(es) (and their main threads: the event loops), their own Postgres backends, every postgres process (shared with
 * anything else on the machine), this load generator, and the machine as a whole.
 */
import { startCpu, postgresPids } from './cpu.mjs';
import { runLoad } from './load.mjs';
import { backendPidsFor } from './postgres.mjs';

/**
 * @param {{ targets: string[], tokens: string[], pids: number[], protocol: object }} c  a contender
 * @param {{ concurrency: number, seconds: number, warmupSeconds?: number, onStart?: () => void, onEnd?: () => void }} o
 *   onStart/onEnd: called as the measured window opens and closes (for side loads measured alike)
 */
export async function measure(c, { concurrency, seconds, warmupSeconds = 1, onStart, onEnd }) {
  let cpu;
  let cpuResult;
  const result = await runLoad({
    targets: c.targets,
    tokens: c.tokens,
    concurrency,
    seconds,
    warmupSeconds,
    request: c.protocol.request,
    successor: c.protocol.successor,
    async onMeasureStart() {
      const backends = await backendPidsFor(c.pids);
      cpu = startCpu({ server: c.pids, loop: c.pids, backends, postgres: postgresPids });
      onStart?.();
    },
    onMeasureEnd() {
      cpuResult = cpu.stop();
      onEnd?.();
    },
  });
  return { ...result, cpu: cpuResult };
}
