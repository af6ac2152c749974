import { mockServices } from '@backstage/backend-test-utils';
import { ActiveGrantPairs, ActiveGrantPair } from './ActiveGrantPairs';

function setUp(options: { cacheMs?: number; maxStaleMs?: number } = {}) {
  let at = 1_000_000;
  let answer: ActiveGrantPair[] | Error = [
    { consumerRef: 'component:default/Shop', apiRef: 'api:default/pets' },
    { consumerRef: 'component:default/shop', apiRef: 'api:default/orders' },
    { consumerRef: 'group:default/northwind', apiRef: 'api:default/pets' },
  ];
  const logger = mockServices.logger.mock();
  const fetchPairs = jest.fn(async () => {
    await new Promise(r => setTimeout(r, 5));
    if (answer instanceof Error) throw answer;
    return answer;
  });
  const pairs = new ActiveGrantPairs({
    fetchPairs,
    cacheMs: options.cacheMs ?? 30_000,
    maxStaleMs: options.maxStaleMs ?? 600_000,
    logger,
    now: () => at,
  });
  return {
    pairs,
    fetchPairs,
    logger,
    advance: (ms: number) => {
      at += ms;
    },
    answer: (value: ActiveGrantPair[] | Error) => {
      answer = value;
    },
  };
}

describe('ActiveGrantPairs', () => {
  it('answers the APIs of a consumer, refs compared without case', async () => {
    const { pairs } = setUp();
    expect(await pairs.apisOf('component:default/shop')).toEqual([
      'api:default/pets',
      'api:default/orders',
    ]);
    expect(await pairs.apisOf('group:default/Northwind')).toEqual([
      'api:default/pets',
    ]);
    expect(await pairs.apisOf('component:default/other')).toEqual([]);
  });

  it('makes one call per cache period however many entities ask, at once or one by one', async () => {
    const { pairs, fetchPairs, advance } = setUp({ cacheMs: 30_000 });
    const refs = Array.from(
      { length: 5000 },
      (_, i) => `component:default/c${i}`,
    );
    await Promise.all(refs.map(ref => pairs.apisOf(ref)));
    expect(fetchPairs).toHaveBeenCalledTimes(1);
    for (const ref of refs) await pairs.apisOf(ref);
    expect(fetchPairs).toHaveBeenCalledTimes(1);
    advance(29_999);
    await pairs.apisOf('component:default/shop');
    expect(fetchPairs).toHaveBeenCalledTimes(1);
    advance(1);
    await pairs.apisOf('component:default/shop');
    expect(fetchPairs).toHaveBeenCalledTimes(2);
  });

  it('sees a grant end at the first fetch after it', async () => {
    const { pairs, advance, answer } = setUp({ cacheMs: 30_000 });
    expect(await pairs.apisOf('component:default/shop')).toHaveLength(2);
    answer([]);
    expect(await pairs.apisOf('component:default/shop')).toHaveLength(2);
    advance(30_000);
    expect(await pairs.apisOf('component:default/shop')).toEqual([]);
  });

  it('keeps the last good map for maxStale while fetches fail, with a warning, then answers nothing', async () => {
    const { pairs, fetchPairs, advance, answer, logger } = setUp({
      cacheMs: 30_000,
      maxStaleMs: 120_000,
    });
    await pairs.apisOf('component:default/shop');
    answer(new Error('connect ECONNREFUSED'));

    advance(30_000);
    expect(await pairs.apisOf('component:default/shop')).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0][0]).toContain('ECONNREFUSED');
    expect(logger.warn.mock.calls[0][0]).toContain(
      'Using the map fetched 30 s ago',
    );
    // A failure waits a period too: no retry storm from every entity.
    await Promise.all(
      Array.from({ length: 100 }, () => pairs.apisOf('component:default/x')),
    );
    expect(fetchPairs).toHaveBeenCalledTimes(2);

    advance(90_000); // 120 s after the last good fetch: still used
    expect(await pairs.apisOf('component:default/shop')).toHaveLength(2);
    advance(1);
    expect(await pairs.apisOf('component:default/shop')).toEqual([]);

    answer([
      { consumerRef: 'component:default/shop', apiRef: 'api:default/pets' },
    ]);
    advance(30_000);
    expect(await pairs.apisOf('component:default/shop')).toEqual([
      'api:default/pets',
    ]);
    expect(logger.info).toHaveBeenCalledWith(
      expect.stringContaining('answers again'),
    );
  });

  it('answers nothing, without throwing, when the first fetch fails', async () => {
    const { pairs, answer, logger } = setUp();
    answer(new Error('403 Forbidden'));
    expect(await pairs.apisOf('component:default/shop')).toEqual([]);
    expect(logger.warn.mock.calls[0][0]).toContain(
      'Emitting no grant relations',
    );
  });
});
