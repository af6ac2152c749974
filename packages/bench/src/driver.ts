/*
 * The load generator of bench/introspect.ts. It runs in its own process so
 * autocannon never shares the servers' event loop (it still shares the
 * machine's cores). Jobs come in over IPC; the keys stay in memory.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

export interface DriverJob {
  type: 'run';
  url: string;
  method: 'GET' | 'POST';
  path: string;
  authorization?: string;
  /** With keys, each request posts `token=<one of them at random>`... */
  keys?: string[];
  /** ...or, with this set, sends it in this header (a gateway's X-Api-Key). */
  keyHeader?: string;
  /** Sent with every request. */
  headers?: Record<string, string>;
  /** Counts the values of this answer header (e.g. a cache status) after the warm-up. */
  countHeader?: string;
  connections: number;
  /**
   * Requests per second, sent on schedule whether or not earlier answers
   * came back (open loop); unset means each connection sends its next request
   * as soon as it has an answer (closed loop, autocannon).
   */
  rate?: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Every 200 answer must contain this, e.g. `"active":true`. */
  expectInBody: string;
}

export interface DriverResult {
  type: 'result';
  requestsPerSecond: number;
  /** Percentiles from a 10 µs histogram; autocannon's own are whole milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** 2xx answers counted after the warm-up. */
  completed: number;
  /** These three count the warm-up too. */
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 200 answers without `expectInBody` (e.g. active=false for a valid key), warm-up included. */
  unexpected: number;
  firstError?: string;
  seconds: number;
  /** Values of `countHeader` seen after the warm-up, and how often. */
  headerCounts?: Record<string, number>;
}

function counter(name: string | undefined) {
  const counts: Record<string, number> = {};
  const lower = name?.toLowerCase();
  return {
    counts: lower ? counts : undefined,
    add(headers: Record<string, unknown> | undefined) {
      if (!lower) return;
      // autocannon keeps the server's spelling; node:http lower-cases.
      const key = Object.keys(headers ?? {}).find(
        k => k.toLowerCase() === lower,
      );
      const value = key ? String(headers![key]) : '(none)';
      counts[value] = (counts[value] ?? 0) + 1;
    },
  };
}

const BUCKET_MS = 0.01;
const BUCKETS = 500_000; // up to 5 s; slower answers land in the last bucket

class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  private highest = 0;

  record(ms: number) {
    this.counts[Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS))]++;
    this.total++;
    if (ms > this.highest) this.highest = ms;
  }

  percentile(p: number): number {
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank && seen > 0) return (i + 1) * BUCKET_MS;
    }
    return this.highest;
  }

  max() {
    return this.highest;
  }
}

/**
 * One autocannon run of warm-up plus measurement on the same connections, so
 * connection set-up (which a saturated server accepts only slowly) stays out
 * of the figures; only answers after the warm-up are counted.
 */
async function runClosedLoop(job: DriverJob): Promise<DriverResult> {
  const histogram = new LatencyHistogram();
  let unexpected = 0;
  let measured = 0;
  let measureFrom = Infinity;
  let lastAnswer = 0;
  const { keys, keyHeader } = job;
  const seen = counter(job.countHeader);
  const instance = autocannon({
    url: job.url,
    connections: job.connections,
    duration: job.warmupSeconds + job.durationSeconds,
    requests: [
      {
        method: job.method,
        path: job.path,
        headers: {
          ...job.headers,
          ...(keys && !keyHeader
            ? { 'content-type': 'application/x-www-form-urlencoded' }
            : {}),
          ...(job.authorization ? { authorization: job.authorization } : {}),
        },
        ...(keys
          ? {
              setupRequest: request => {
                const key = keys[Math.floor(Math.random() * keys.length)];
                return keyHeader
                  ? {
                      ...request,
                      headers: { ...request.headers, [keyHeader]: key },
                    }
                  : { ...request, body: `token=${key}` };
              },
            }
          : {}),
        onResponse: (status, body, _context, headers) => {
          if (status === 200 && !body.includes(job.expectInBody)) unexpected++;
          if (Date.now() >= measureFrom) seen.add(headers);
        },
      },
    ],
  });
  const startMeasuring = () => {
    measureFrom = Date.now();
    process.send!({ type: 'measuring' });
  };
  let firstError: string | undefined;
  instance.on('reqError', (error: unknown) => {
    firstError ??= String(error);
  });
  instance.on('start', () => {
    setTimeout(startMeasuring, job.warmupSeconds * 1000);
  });
  instance.on(
    'response',
    (_client: unknown, status: number, _bytes: number, ms: number) => {
      // Only requests sent after the warm-up: a saturated server accepts new
      // connections slowly, and their first answers can come seconds late.
      const now = Date.now();
      if (now - ms >= measureFrom && status >= 200 && status < 300) {
        histogram.record(ms);
        measured++;
        lastAnswer = now;
      }
    },
  );
  const result = await instance;
  const seconds = Math.max(0.001, (lastAnswer - measureFrom) / 1000);
  return {
    type: 'result',
    requestsPerSecond: measured / seconds,
    p50: histogram.percentile(50),
    p90: histogram.percentile(90),
    p99: histogram.percentile(99),
    max: histogram.max(),
    completed: measured,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected,
    seconds,
    firstError,
    headerCounts: seen.counts,
  };
}

/**
 * A fixed rate, evenly spaced. autocannon's own rate limit sends each
 * second's quota in a burst, which measures a saturated server again; here
 * latency runs from the moment a request was due, so a server that falls
 * behind is charged for the wait (no coordinated omission).
 */
async function runOpenLoop(job: DriverJob): Promise<DriverResult> {
  const rate = job.rate!;
  const histogram = new LatencyHistogram();
  // FIFO keeps every socket busy: with LIFO some idle past the server's
  // keep-alive timeout and get closed just as they are reused.
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: job.connections,
    scheduling: 'fifo',
  });
  const target = new URL(job.url);
  const { keys, keyHeader } = job;
  const seen = counter(job.countHeader);
  let unexpected = 0;
  let non2xx = 0;
  let errors = 0;
  let measured = 0;
  let inFlight = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const measureFrom = start + job.warmupSeconds * 1000;
  const end = measureFrom + job.durationSeconds * 1000;
  let measuring = false;

  const send = (due: number) => {
    inFlight++;
    const key = keys
      ? keys[Math.floor(Math.random() * keys.length)]
      : undefined;
    const body = key && !keyHeader ? `token=${key}` : undefined;
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: job.method,
        path: job.path,
        headers: {
          ...job.headers,
          ...(body
            ? {
                'content-type': 'application/x-www-form-urlencoded',
                'content-length': Buffer.byteLength(body),
              }
            : {}),
          ...(job.authorization ? { authorization: job.authorization } : {}),
          ...(key && keyHeader ? { [keyHeader]: key } : {}),
        },
      },
      response => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', chunk => {
          text += chunk;
        });
        response.on('end', () => {
          inFlight--;
          const status = response.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            non2xx++;
            return;
          }
          if (!text.includes(job.expectInBody)) unexpected++;
          if (due >= measureFrom && due < end) {
            histogram.record(performance.now() - due);
            measured++;
            seen.add(response.headers);
          }
        });
      },
    );
    request.on('error', error => {
      inFlight--;
      errors++;
      firstError ??= String(error);
    });
    request.end(body);
  };

  await new Promise<void>(done => {
    let next = start;
    const timer = setInterval(() => {
      const now = performance.now();
      if (!measuring && now >= measureFrom) {
        measuring = true;
        process.send!({ type: 'measuring' });
      }
      while (next <= now && next < end) {
        send(next);
        next += 1000 / rate;
      }
      if (next >= end) {
        clearInterval(timer);
        done();
      }
    }, 1);
  });
  // Let the last answers arrive (up to 10 s).
  const deadline = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < deadline) {
    await new Promise(r => setTimeout(r, 5));
  }
  agent.destroy();
  const timeouts = inFlight;
  const seconds = job.durationSeconds;
  return {
    type: 'result',
    requestsPerSecond: measured / seconds,
    p50: histogram.percentile(50),
    p90: histogram.percentile(90),
    p99: histogram.percentile(99),
    max: histogram.max(),
    completed: measured,
    non2xx,
    errors,
    timeouts,
    unexpected,
    seconds,
    firstError,
    headerCounts: seen.counts,
  };
}

process.on('message', (message: DriverJob) => {
  if (message?.type !== 'run') return;
  (message.rate ? runOpenLoop(message) : runClosedLoop(message)).then(
    result => process.send!(result),
    error => process.send!({ type: 'error', message: String(error) }),
  );
});
