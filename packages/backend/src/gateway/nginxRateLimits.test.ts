/*
 * The nginx recipe's rate limiter against Debian's nginx, with a stand-in
 * for api-access's /authorize that answers whatever grant, rate and plan a
 * case names (the contract test, gateway.test.ts, drives the real backend
 * through the plans in config; this one covers what config cannot reach):
 *
 *   - a rate no plan in config names (tailored in the catalog, or an old
 *     snapshot) is held by the ladder to at most its own rate;
 *   - a client's forged X-Api-Access-Grant and -Rate-Limit change nothing;
 *   - grants without a plan pass unlimited by default, and are held to
 *     their rate with limitPlanless;
 *   - the generated table: an exact zone per config rate, the ladder never
 *     more than a third between rungs from 3 a minute up.
 *
 * Without nginx the test is skipped, except in CI, where it fails.
 */
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const recipe = require(path.resolve(
  __dirname,
  '../../../../examples/nginx/gateway.js',
));

const available: boolean = recipe.nginxAvailable();
if (!available && process.env.CI) {
  throw new Error(
    'The nginx rate limit test needs nginx and njs in CI: scripts/setup.sh installs them',
  );
}
const describeNginx = available ? describe : describe.skip;

function listen(server: http.Server): Promise<number> {
  return new Promise(resolve =>
    server.listen(0, '127.0.0.1', () =>
      resolve((server.address() as AddressInfo).port),
    ),
  );
}

async function freePort(): Promise<number> {
  const probe = http.createServer();
  const port = await listen(probe);
  await new Promise(resolve => probe.close(resolve));
  return port;
}

/**
 * /authorize as api-access answers it, for keys `<grant>|<rate>|<plan>`:
 * the grant, its X-Api-Access-Rate-Limit and (if any) its plan.
 */
function fakeAuthorize() {
  return http.createServer((req, res) => {
    const key = String(req.headers['x-api-access-key'] ?? '');
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
    };
    if (!key) {
      headers['X-Api-Access-Reason'] = 'no API key presented';
      res.writeHead(401, headers);
      res.end('{}');
      return;
    }
    const [grant, rate, plan] = key.split('|');
    headers['X-Api-Access-Consumer'] = 'component:default/shop';
    headers['X-Api-Access-Grant'] = grant;
    headers['X-Api-Access-Scopes'] = 'pets:read';
    headers['X-Api-Access-Rate-Limit'] = rate;
    if (plan) headers['X-Api-Access-Plan'] = plan;
    res.writeHead(200, headers);
    res.end('{"allowed":true}');
  });
}

describeNginx('the nginx recipe holds each grant to its rate', () => {
  const servers: http.Server[] = [];
  const gateways: Array<{ url: string; stop(): Promise<void> }> = [];
  let common: Record<string, string>;

  beforeAll(async () => {
    const authorize = fakeAuthorize();
    const upstream = http.createServer((req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          grant: req.headers['x-api-access-grant'],
          rateLimit: req.headers['x-api-access-rate-limit'],
          plan: req.headers['x-api-access-plan'],
        }),
      );
    });
    servers.push(authorize, upstream);
    common = {
      upstream: `127.0.0.1:${await listen(upstream)}`,
      backend: `127.0.0.1:${await listen(authorize)}`,
      token: 'gateway-token',
      apiRef: 'api:default/pets',
      readScope: 'pets:read',
      writeScope: 'pets:write',
    };
  });

  afterAll(async () => {
    await Promise.all(gateways.map(g => g.stop()));
    servers.forEach(s => s.close());
  });

  async function start(options: Record<string, unknown> = {}) {
    const gateway = await recipe.startGateway({
      ...common,
      name: `pets_${gateways.length}`,
      listen: await freePort(),
      // What config names: the tailored rates below are not among them.
      rateLimits: [{ requests: 5, perSeconds: 1 }],
      ...options,
    });
    gateways.push(gateway);
    return gateway as { url: string };
  }

  /** Statuses of `n` calls in a row with one key. */
  async function statuses(url: string, key: string, n: number, extra = {}) {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const answer = await fetch(`${url}/pets`, {
        headers: { 'X-Api-Key': key, ...extra },
      });
      await answer.text();
      out.push(answer.status);
    }
    return out;
  }

  /** Statuses of `n` calls sent at once with one key. */
  async function atOnce(url: string, key: string, n: number) {
    return Promise.all(
      Array.from({ length: n }, async () => {
        const answer = await fetch(`${url}/pets`, {
          headers: { 'X-Api-Key': key },
        });
        await answer.text();
        return answer.status;
      }),
    );
  }

  const passed = (list: number[]) => list.filter(s => s === 200).length;

  it('holds a rate config does not name to at most that rate (the ladder), per grant', async () => {
    const { url } = await start();
    // 3 per 60 s: the ladder's 3-a-minute rung, a burst of one. Slow enough
    // that no allowance comes back during the test.
    const first = await statuses(url, 'g1|3;w=60|gold', 4);
    expect(first[0]).toBe(200);
    expect(passed(first)).toBeLessThanOrEqual(3);
    expect(first[3]).toBe(429);
    // Another grant at the same rate has its own allowance.
    expect((await statuses(url, 'g2|3;w=60|gold', 1))[0]).toBe(200);

    const refused = await fetch(`${url}/pets`, {
      headers: { 'X-Api-Key': 'g1|3;w=60|gold' },
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('20');
    expect(await refused.json()).toEqual({
      error: 'too_many_requests',
      reason:
        "the rate limit of the plan 'gold' is exceeded: 3 requests per 60 s",
    });
  });

  it('never lets more than the rate through: 7 a second by the 6.67-a-second rung, the exact 5 a second by its own zone', async () => {
    const { url } = await start();
    // At once, so little allowance comes back while they arrive.
    const tailored = await atOnce(url, 'g3|7;w=1|gold', 12);
    expect(passed(tailored)).toBeGreaterThanOrEqual(5);
    expect(passed(tailored)).toBeLessThanOrEqual(7);
    const exact = await atOnce(url, 'g4|5;w=1|starter', 12);
    expect(passed(exact)).toBeGreaterThanOrEqual(5);
    expect(passed(exact)).toBeLessThanOrEqual(6);
  });

  it("ignores a client's own X-Api-Access-Grant and -Rate-Limit", async () => {
    const { url } = await start();
    const forged = {
      'X-Api-Access-Grant': 'someone-else',
      'X-Api-Access-Rate-Limit': '1000000;w=1',
      'X-Api-Access-Plan': 'unlimited',
    };
    const answers = await statuses(url, 'g5|1;w=60|starter', 3, forged);
    expect(answers).toEqual([200, 429, 429]);
    const seen = await fetch(`${url}/pets`, {
      headers: { 'X-Api-Key': 'g6|1;w=60|starter', ...forged },
    });
    expect(await seen.json()).toEqual({
      grant: 'g6',
      rateLimit: '1;w=60',
      plan: 'starter',
    });
  });

  it('passes grants without a plan unlimited, unless limitPlanless', async () => {
    const direct = await start();
    expect(await statuses(direct.url, 'g7|1;w=60', 4)).toEqual([
      200, 200, 200, 200,
    ]);
    const limited = await start({ limitPlanless: true });
    const answers = await statuses(limited.url, 'g8|1;w=60', 3);
    expect(answers).toEqual([200, 429, 429]);
    const refused = await fetch(`${limited.url}/pets`, {
      headers: { 'X-Api-Key': 'g8|1;w=60' },
    });
    expect((await refused.json()).reason).toBe(
      'the rate limit of the grant is exceeded: 1 request per 60 s',
    );
  });
});

describe('renderRateLimits', () => {
  it('has an exact zone per rate in config and a ladder at most a third apart from 3 a minute', () => {
    const { RATE_LIMIT_ZONES, RATE_LIMIT_TABLE, RATE_LIMITS } =
      recipe.renderRateLimits({
        name: 'pets',
        rateLimits: ['2;w=1', { requests: 100, perSeconds: 7 }, '2;w=1'],
      });
    const table: string[] = RATE_LIMIT_TABLE.match(/"(.*)"/)![1].split(' ');
    expect(table.slice(0, 2)).toEqual(['2;w=1>0', '100;w=7>1']);
    expect(RATE_LIMIT_ZONES).toContain(
      'zone=api_access_rate_pets_0:1m rate=2r/s;',
    );
    // 100 per 7 s is 857.14 a minute: rounded down, never up.
    expect(RATE_LIMIT_ZONES).toContain(
      'zone=api_access_rate_pets_1:1m rate=857r/m;',
    );
    expect(RATE_LIMITS).toContain(
      'limit_req zone=api_access_rate_pets_0 burst=1 nodelay;',
    );
    expect(RATE_LIMITS).toContain(
      'limit_req zone=api_access_rate_pets_1 burst=99 nodelay;',
    );
    const rungs = table
      .filter(entry => entry.startsWith('@'))
      .map(entry => Number(entry.slice(1).split('>')[0]));
    expect(rungs[0]).toBe(1);
    expect(rungs[rungs.length - 1]).toBe(6_000_000);
    const steps = rungs.slice(1).map((rung, i) => rung / rungs[i]);
    expect(Math.min(...steps)).toBeGreaterThan(1);
    // From 3 a minute up (1 to 2 and 2 to 3 a minute are the exceptions).
    expect(Math.max(...steps.slice(2))).toBeLessThanOrEqual(4 / 3);
    // One limit_req line per zone.
    expect(RATE_LIMITS.split('\n')).toHaveLength(table.length);
  });

  it('refuses a rate that is not one', () => {
    expect(() =>
      recipe.renderRateLimits({ name: 'pets', rateLimits: ['fast'] }),
    ).toThrow("'fast' is not a rate limit");
    expect(() =>
      recipe.renderRateLimits({
        name: 'pets',
        rateLimits: [{ requests: 0, perSeconds: 1 }],
      }),
    ).toThrow('requests must be a whole number above 0');
  });
});
