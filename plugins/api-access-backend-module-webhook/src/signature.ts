/*
 * The webhook signature: X-Api-Access-Signature is
 * `sha256=<hex HMAC-SHA256 of "<timestamp>.<event id>.<raw body>">`, keyed
 * with the endpoint's secret, where <timestamp> is the X-Api-Access-Timestamp
 * header (unix seconds) and <event id> the X-Api-Access-Event-Id header.
 * Signing the timestamp refuses an old delivery; signing the event id lets a
 * receiver refuse a replay inside the timestamp's window by remembering the
 * ids it has seen (createReplayGuard), without an attacker being able to
 * present a captured delivery under a fresh id.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The prefix of the signature header's value. */
export const API_ACCESS_SIGNATURE_SCHEME = 'sha256';

/** Default replay window of {@link verifyApiAccessSignature}: five minutes. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * What an event id may be: 1 to 128 letters, digits, `_`, `-` or `:`. No
 * `.`, so `"<timestamp>.<event id>.<body>"` splits one way only.
 *
 * @public
 */
export const API_ACCESS_EVENT_ID_PATTERN = /^[A-Za-z0-9_:-]{1,128}$/;

/**
 * Computes the X-Api-Access-Signature header value for a body.
 *
 * @public
 */
export function signApiAccessPayload(options: {
  secret: string | Buffer;
  /** Unix seconds, as sent in X-Api-Access-Timestamp. */
  timestamp: number | string;
  /** As sent in X-Api-Access-Event-Id; see {@link API_ACCESS_EVENT_ID_PATTERN}. */
  eventId: string;
  /** The exact bytes sent. */
  body: string | Buffer;
}): string {
  if (!API_ACCESS_EVENT_ID_PATTERN.test(options.eventId)) {
    throw new TypeError(
      'api-access webhook event id must be 1-128 characters of A-Z a-z 0-9 _ - :',
    );
  }
  const hmac = createHmac('sha256', options.secret);
  hmac.update(`${options.timestamp}.${options.eventId}.`);
  hmac.update(options.body);
  return `${API_ACCESS_SIGNATURE_SCHEME}=${hmac.digest('hex')}`;
}

/**
 * Checks a delivery's signature, for receivers. True only if the timestamp is
 * within `toleranceSeconds` of `now` (either side), the event id is present
 * and well formed, and one of the signatures in the header matches the HMAC
 * of `"<timestamp>.<event id>.<body>"`, compared in constant time.
 *
 * Pass the raw body exactly as received, before any JSON parsing: a
 * re-serialised body will not match.
 *
 * A valid signature proves who sent the delivery, not that it is the first
 * time it arrives: anyone who captured it can send it again, unchanged, until
 * the timestamp is `toleranceSeconds` old. Refuse such replays by remembering
 * the event ids of accepted deliveries for at least twice the tolerance (the
 * timestamp may be that far ahead of your clock), e.g. with
 * `createReplayGuard`. The event id is signed, so a replay cannot
 * present itself under a new one. Retries of the same delivery carry the same
 * event id too: answer them 2xx without applying the change again.
 *
 * @public
 */
export function verifyApiAccessSignature(options: {
  secret: string | Buffer;
  /** The X-Api-Access-Timestamp header. */
  timestamp: string | number | undefined;
  /** The X-Api-Access-Event-Id header. */
  eventId: string | undefined;
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
  const eventId = String(options.eventId ?? '');
  if (!API_ACCESS_EVENT_ID_PATTERN.test(eventId)) {
    return false;
  }
  const now = options.now ?? Date.now();
  const nowMs = typeof now === 'number' ? now : now.getTime();
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > toleranceSeconds) {
    return false;
  }

  const expected = Buffer.from(
    signApiAccessPayload({ secret, timestamp, eventId, body }).slice(
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
