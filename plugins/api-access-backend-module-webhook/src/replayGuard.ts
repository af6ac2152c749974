/*
 * A receiver's memory of the event ids it accepted, so a delivery captured on
 * the way and sent again inside the signature's tolerance is recognised. In
 * memory and bounded: for one receiver process. Receivers with several
 * replicas keep the ids in a shared store instead (a table with a unique key
 * on the event id and its expiry, say) and follow the same rules.
 */
import { DEFAULT_SIGNATURE_TOLERANCE_SECONDS } from './signature';

/**
 * What {@link ApiAccessReplayGuard.claim} found:
 * - `new`: first time within the window; the id is now remembered. Apply the
 *   delivery; if applying fails, `release` the id so the sender's retry is
 *   applied.
 * - `seen`: remembered already: a replay, or the sender's retry of a delivery
 *   you accepted (its answer may have been lost). Answer 2xx without applying
 *   it again.
 * - `full`: `maxEntries` ids are remembered and none has expired. Answer 503:
 *   the sender retries later. (Forgetting an id early would let it be
 *   replayed.)
 *
 * @public
 */
export type ApiAccessReplayClaim = 'new' | 'seen' | 'full';

/** @public */
export interface ApiAccessReplayGuard {
  claim(eventId: string): ApiAccessReplayClaim;
  /** Forgets an id, e.g. when applying its delivery failed. */
  release(eventId: string): void;
  /** Ids remembered now (expired ones may be counted until the next claim). */
  readonly size: number;
}

/**
 * A bounded, in-memory {@link ApiAccessReplayGuard}. Call it after
 * `verifyApiAccessSignature` accepted the delivery, with its
 * X-Api-Access-Event-Id.
 *
 * `ttlMs` defaults to twice the default signature tolerance (10 minutes): a
 * delivery is valid while its timestamp is within the tolerance of the
 * receiver's clock either way, so from first arrival a replay can verify for
 * up to twice the tolerance. Keep `ttlMs` at least `2 * toleranceSeconds`.
 *
 * @public
 */
export function createReplayGuard(
  options: {
    ttlMs?: number;
    /** Most ids remembered at once. Default: 100,000. */
    maxEntries?: number;
    /** Milliseconds since the epoch; default: the clock. */
    now?: () => number;
  } = {},
): ApiAccessReplayGuard {
  const ttlMs = options.ttlMs ?? 2 * DEFAULT_SIGNATURE_TOLERANCE_SECONDS * 1000;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  if (!(ttlMs > 0) || !(maxEntries > 0)) {
    throw new TypeError('createReplayGuard: ttlMs and maxEntries must be > 0');
  }
  // Insertion order is expiry order: every id lives ttlMs from its claim.
  const expiries = new Map<string, number>();

  const purge = (at: number) => {
    for (const [id, expiry] of expiries) {
      if (expiry > at) break;
      expiries.delete(id);
    }
  };

  return {
    claim(eventId) {
      const at = now();
      purge(at);
      const expiry = expiries.get(eventId);
      if (expiry !== undefined && expiry > at) return 'seen';
      if (expiries.size >= maxEntries) return 'full';
      expiries.set(eventId, at + ttlMs);
      return 'new';
    },
    release(eventId) {
      expiries.delete(eventId);
    },
    get size() {
      return expiries.size;
    },
  };
}
