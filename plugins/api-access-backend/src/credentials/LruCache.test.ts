import { LruCache } from './LruCache';

describe('LruCache', () => {
  it('evicts the least recently used entry, one at a time, never everything', () => {
    const cache = new LruCache<string, number>(3);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('c', 3);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('d', 4); // evicts b
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.get('d')]).toEqual([1, 3, 4]);
  });

  it('re-setting a key refreshes it instead of growing', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3); // evicts b
    expect(cache.get('a')).toBe(10);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it('deletes by value and refuses a size below one', () => {
    const cache = new LruCache<string, { grant: string }>(10);
    cache.set('k1', { grant: 'g1' });
    cache.set('k2', { grant: 'g2' });
    cache.set('k3', { grant: 'g1' });
    cache.deleteWhere(v => v.grant === 'g1');
    expect(cache.size).toBe(1);
    expect(() => new LruCache(0)).toThrow(/at least 1/);
  });
});
