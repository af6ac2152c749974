/*
 * The backend of bench/export.ts in its own process, so the memory measured
 * is the backend's alone (not the seeder's, nor the client's that reads the
 * export). It starts the real plugin on the seeded database, samples its own
 * RSS and heap every 100 ms, and answers the benchmark over IPC. Started
 * with --expose-gc, so "before" and "after" are read after a full GC.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startPlugin } from './harness';

export interface MemorySample {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
}

export type ServerMessage =
  | { type: 'ready'; url: string }
  | { type: 'memory'; memory: MemorySample }
  | {
      type: 'peak';
      peak: MemorySample;
      samples: number;
      /** The longest the event loop was blocked during the export. */
      eventLoopDelayMaxMs: number;
    };

const gc = (globalThis as { gc?: () => void }).gc;

function sample(): MemorySample {
  const m = process.memoryUsage();
  return {
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    heapTotalBytes: m.heapTotal,
    externalBytes: m.external,
  };
}

function send(message: ServerMessage) {
  process.send!(message);
}

async function main() {
  const database = JSON.parse(process.argv[2]);
  const { backend, url } = await startPlugin(database);
  let peak = sample();
  let samples = 0;
  let timer: NodeJS.Timeout | undefined;
  const delay = monitorEventLoopDelay({ resolution: 10 });

  process.on('message', async (message: { type: string }) => {
    if (message.type === 'memory') {
      gc?.();
      send({ type: 'memory', memory: sample() });
    } else if (message.type === 'start-sampling') {
      peak = sample();
      samples = 0;
      delay.reset();
      delay.enable();
      timer = setInterval(() => {
        const now = sample();
        samples += 1;
        peak = {
          rssBytes: Math.max(peak.rssBytes, now.rssBytes),
          heapUsedBytes: Math.max(peak.heapUsedBytes, now.heapUsedBytes),
          heapTotalBytes: Math.max(peak.heapTotalBytes, now.heapTotalBytes),
          externalBytes: Math.max(peak.externalBytes, now.externalBytes),
        };
      }, 100);
      send({ type: 'memory', memory: peak });
    } else if (message.type === 'stop-sampling') {
      clearInterval(timer);
      delay.disable();
      send({
        type: 'peak',
        peak,
        samples,
        eventLoopDelayMaxMs: delay.max / 1e6,
      });
    } else if (message.type === 'stop') {
      await backend.stop();
      process.exit(0);
    }
  });
  send({ type: 'ready', url });
}

main().catch(error => {
  // eslint-disable-next-line no-console
  console.error(error);
  process.exit(1);
});
