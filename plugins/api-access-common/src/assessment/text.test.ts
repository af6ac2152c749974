import {
  isProductionLike,
  isReadScope,
  isWriteScope,
  neededDays,
} from './text';

describe('neededDays', () => {
  it.each([
    ['for two weeks', 14],
    ['over the next 3 days', 3],
    ['during a couple of weeks', 14],
    ['for a month', 31],
    ['this sprint', 14],
    ['this quarter, for 10 days', 10],
    ['a one-off export', 7],
    ['a temporary bridge', 30],
    ['a proof of concept', 30],
  ])('%p -> %p', (text, days) => {
    expect(neededDays(text)).toBe(days);
  });

  it.each([['Show pets on the dashboard.'], ['Every 3 days we sync.'], ['']])(
    '%p names no period',
    text => {
      expect(neededDays(text)).toBeUndefined();
    },
  );
});

describe('scope and environment words', () => {
  it.each([
    ['pets:write', true],
    ['pets:admin', true],
    ['orders.create', true],
    ['*', true],
    ['pets:read', false],
    ['read:lights', false],
    ['lights', false],
  ])('%p is write-like: %p', (scope, expected) => {
    expect(isWriteScope(scope)).toBe(expected);
  });

  it.each([
    ['pets:read', true],
    ['read:lights', true],
    ['pets:write', false],
  ])('%p is read-like: %p', (scope, expected) => {
    expect(isReadScope(scope)).toBe(expected);
  });

  it.each([
    ['production', true],
    ['prod', true],
    ['prod-eu', true],
    ['preprod', false],
    ['staging', false],
    ['product-sandbox', false],
  ])('%p is production-like: %p', (env, expected) => {
    expect(isProductionLike(env)).toBe(expected);
  });
});
