import { createHmac } from 'node:crypto';
import { signApiAccessPayload, verifyApiAccessSignature } from './signature';

const secret = 'test-webhook-secret-0123456789';
const body = JSON.stringify({
  id: 'task-1',
  type: 'api-access.grant.provision',
});
const now = new Date('2025-06-01T12:00:00Z');
const timestamp = Math.floor(now.getTime() / 1000);

describe('signApiAccessPayload', () => {
  it('is sha256= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret)
      .update(`${timestamp}.${body}`)
      .digest('hex');
    expect(signApiAccessPayload({ secret, timestamp, body })).toBe(
      `sha256=${expected}`,
    );
    expect(
      signApiAccessPayload({ secret, timestamp, body: Buffer.from(body) }),
    ).toBe(`sha256=${expected}`);
  });
});

describe('verifyApiAccessSignature', () => {
  const signature = signApiAccessPayload({ secret, timestamp, body });

  it('accepts a fresh, correctly signed body', () => {
    expect(
      verifyApiAccessSignature({ secret, timestamp, body, signature, now }),
    ).toBe(true);
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp: String(timestamp),
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
        body,
        signature,
        now,
      }),
    ).toBe(false);
  });

  it('rejects a timestamp swapped for another one', () => {
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp: timestamp + 1,
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
        body,
        signature,
        now: now.getTime() + 3600_000,
        toleranceSeconds: 7200,
      }),
    ).toBe(true);
  });

  it('rejects missing or malformed values', () => {
    const base = { secret, timestamp, body, signature, now };
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
      body,
    });
    expect(
      verifyApiAccessSignature({
        secret,
        timestamp,
        body,
        signature: `${other}, ${signature}`,
        now,
      }),
    ).toBe(true);
  });
});
