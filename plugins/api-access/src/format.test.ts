/* Countdowns read the way the grants table always showed them. */
import { countdown } from './format';

const now = Date.parse('2026-11-28T00:00:00Z');
const at = (hours: number) => new Date(now + hours * 3_600_000).toISOString();

describe('countdown', () => {
  it('counts days from two days on, hours from two hours, else minutes', () => {
    expect(countdown(at(72), now)).toBe('in 3 days');
    expect(countdown(at(92), now)).toBe('in 3 days');
    expect(countdown(at(47), now)).toBe('in 47 hours');
    expect(countdown(at(1.5), now)).toBe('in 90 minutes');
    expect(countdown(at(-48), now)).toBe('2 days ago');
    expect(countdown(at(0), now)).toBe('in 1 minute');
  });
});
