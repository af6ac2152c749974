/*
 * The webhook signature: X-Api-Access-Signature is
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`, keyed with the
 * endpoint's secret, where <timestamp> is the X-Api-Access-Timestamp header
 * (unix seconds). Signing the timestamp with the body lets a receiver refuse
 * replays of an old delivery.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The prefix of the signature header's value. */
export const API_ACCESS_SIGNATURE_SCHEME = 'sha256';

/** Default replay window of {@link verifyApiAccessSignature}: five minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * Computes the X-Api-Access-Signature header value for a body.
 *
 * @public
 */
export function signApiAccessPayload(options: {
  secret: string | Buffer;
  /** Unix seconds, as sent in X-Api-Access-Timestamp. */
  timestamp: number | string;
  /** The exact bytes sent. */
  body: string | Buffer;
}): string {
  const hmac = createHmac('sha256', options.secret);
  hmac.update(`${options.timestamp}.`);
  hmac.update(options.body);
  return `${API_ACCESS_SIGNATURE_SCHEME}=${hmac.digest('hex')}`;
}

/**
 * Checks a delivery's signature, for receivers. True only if the timestamp is
 * within `toleranceSeconds` of `now` (either side) and one of the signatures
 * in the header matches the HMAC of `"<timestamp>.<body>"`, compared in
 * constant time.
 *
 * Pass the raw body exactly as received, before any JSON parsing: a
 * re-serialised body will not match.
 *
 * @public
 */
export function verifyApiAccessSignature(options: {
  secret: string | Buffer;
  /** The X-Api-Access-Timestamp header. */
  timestamp: string | number | undefined;
  /** The raw request body. */
  body: string | Buffer;
  /** The X-Api-Access-Signature header; several may be given, comma-separated. */
  signature: string | undefined;
  /** Oldest (or furthest in the future) timestamp accepted. Default: 300. */
  toleranceSeconds?: number;
  /** The current time; default: the clock. */
  now?: Date | number;
}): boolean {
  const {
    secret,
    body,
    signature,
    toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  } = options;
  if (!signature || (typeof secret === 'string' ? !secret : !secret.length)) {
    return false;
  }
  const timestamp = String(options.timestamp ?? '').trim();
  if (!/^\d{1,12}$/.test(timestamp)) {
    return false;
  }
  const now = options.now ?? Date.now();
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) {
    return false;
  }

  const expected = Buffer.from(
    signApiAccessPayload({ secret, timestamp, body }).slice(
      API_ACCESS_SIGNATURE_SCHEME.length + 1,
    ),
    'hex',
  );
  let matched = false;
  for (const candidate of signature.split(',')) {
    const match = /^sha256=([0-9a-fA-F]{64})$/.exec(candidate.trim());
    if (match) {
      const actual = Buffer.from(match[1], 'hex');
      // Keep comparing after a match, so the time does not tell which one matched.
      matched = timingSafeEqual(actual, expected) || matched;
    }
  }
  return matched;
}
