import { createReplayGuard } from './replayGuard';

describe('createReplayGuard', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('accepts an id once, then calls it seen until twice the tolerance has passed', () => {
    const guard = createReplayGuard({ now: clock });
    expect(guard.claim('task-1')).toBe('new');
    expect(guard.claim('task-1')).toBe('seen');
    expect(guard.claim('task-2')).toBe('new');
    now += 10 * 60 * 1000 - 1;
    expect(guard.claim('task-1')).toBe('seen');
    now += 1;
    // Ten minutes on, the signature's timestamp no longer verifies anyway.
    expect(guard.claim('task-1')).toBe('new');
  });

  it('forgets a released id, so a retry after a failed apply is applied', () => {
    const guard = createReplayGuard({ now: clock });
    expect(guard.claim('task-3')).toBe('new');
    guard.release('task-3');
    expect(guard.claim('task-3')).toBe('new');
  });

  it('stays bounded: refuses new ids when full instead of forgetting live ones', () => {
    const guard = createReplayGuard({ now: clock, ttlMs: 1000, maxEntries: 2 });
    expect(guard.claim('a')).toBe('new');
    expect(guard.claim('b')).toBe('new');
    expect(guard.claim('c')).toBe('full');
    expect(guard.claim('a')).toBe('seen');
    expect(guard.size).toBe(2);
    now += 1000;
    expect(guard.claim('c')).toBe('new');
    expect(guard.size).toBe(1);
  });
});
