import { createHmac } from 'node:crypto';
import { signApiAccessPayload, verifyApiAccessSignature } from './signature';

const secret = 'test-webhook-secret-0123456789';
const body = JSON.stringify({
  id: 'task-1',
  type: 'api-access.grant.provision',
});
const now = new Date('2025-06-01T12:00:00Z');
const timestamp = Math.floor(now.getTime() / 1000);
const eventId = 'task-1';

describe('signApiAccessPayload', () => {
  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<event id>.<body>"', () => {
    const expected = createHmac('sha256', secret)
      .update(`${timestamp}.${eventId}.${body}`)
      .digest('hex');
    expect(signApiAccessPayload({ secret, timestamp, eventId, body })).toBe(
      `sha256=${expected}`,
    );
    expect(
      signApiAccessPayload({
        secret,
        timestamp,
        eventId,
        body: Buffer.from(body),
      }),
    ).toBe(`sha256=${expected}`);
  });
});

describe('verifyApiAccessSignature', () => {
  const signature = signApiAccessPayload({ secret, timestamp, eventId, body });

  it('accepts a fresh, correctly signed body', () => {
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp,
        eventId,
        body,
        signature,
        now,
      }),
    ).toBe(true);
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp: String(timestamp),
        eventId,
        body: Buffer.from(body),
        signature,
        now: now.getTime(),
      }),
    ).toBe(true);
  });

  it('rejects a tampered body', () => {
    const tampered = body.replace('provision', 'revoke');
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp,
        eventId,
        body: tampered,
        signature,
        now,
      }),
    ).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(
      verifyApiAccessSignature({
        secret: 'another-secret-0123456789',
        timestamp,
        eventId,
        body,
        signature,
        now,
      }),
    ).toBe(false);
  });

  it('covers the event id: a captured delivery sent under another id does not verify', () => {
    for (const other of ['task-2', 'task-1-replay', 'TASK-1']) {
      expect(
        verifyApiAccessSignature({
          secret,
          timestamp,
          eventId: other,
          body,
          signature,
          now,
        }),
      ).toBe(false);
    }
  });

  it('rejects a missing or malformed event id, and will not sign one', () => {
    const base = { secret, timestamp, body, signature, now };
    for (const bad of [undefined, '', 'task.1', 'x'.repeat(129), 'a b']) {
      expect(verifyApiAccessSignature({ ...base, eventId: bad })).toBe(false);
    }
    // A dot would let "<timestamp>.<id>.<body>" split two ways.
    expect(() =>
      signApiAccessPayload({ secret, timestamp, eventId: 'task.1', body }),
    ).toThrow(TypeError);
  });

  it('rejects a timestamp swapped for another one', () => {
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp: timestamp + 1,
        eventId,
        body,
        signature,
        now,
      }),
    ).toBe(false);
  });

  it('rejects timestamps older (or newer) than five minutes', () => {
    const at = (offsetSeconds: number) =>
      verifyApiAccessSignature({
        secret,
        timestamp,
        eventId,
        body,
        signature,
        now: now.getTime() + offsetSeconds * 1000,
      });
    expect(at(299)).toBe(true);
    expect(at(301)).toBe(false);
    expect(at(-299)).toBe(true);
    expect(at(-301)).toBe(false);
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp,
        eventId,
        body,
        signature,
        now: now.getTime() + 3600_000,
        toleranceSeconds: 7200,
      }),
    ).toBe(true);
  });

  it('rejects missing or malformed values', () => {
    const base = { secret, timestamp, eventId, body, signature, now };
    expect(verifyApiAccessSignature({ ...base, signature: undefined })).toBe(
      false,
    );
    expect(verifyApiAccessSignature({ ...base, timestamp: undefined })).toBe(
      false,
    );
    expect(verifyApiAccessSignature({ ...base, timestamp: '12abc' })).toBe(
      false,
    );
    expect(verifyApiAccessSignature({ ...base, secret: '' })).toBe(false);
    expect(
      verifyApiAccessSignature({ ...base, signature: signature.slice(7) }),
    ).toBe(false);
    expect(
      verifyApiAccessSignature({ ...base, signature: `${signature}00` }),
    ).toBe(false);
    expect(
      verifyApiAccessSignature({
        ...base,
        signature: signature.replace('sha256=', 'sha1='),
      }),
    ).toBe(false);
  });

  it('accepts any of several comma-separated signatures', () => {
    const other = signApiAccessPayload({
      secret: 'old-secret-0123456789',
      timestamp,
      eventId,
      body,
    });
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp,
        eventId,
        body,
        signature: `${other}, ${signature}`,
        now,
      }),
    ).toBe(true);
  });
});
