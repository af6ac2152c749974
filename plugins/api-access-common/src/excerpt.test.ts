import { z } from 'zod';
import { excerpt, sanitizeError } from './excerpt';
import { createAccessRequestSchema, describeZodError } from './schemas';

describe('excerpt', () => {
  it('keeps short single-line input as it is', () => {
    expect(excerpt('api:default/orders')).toBe('api:default/orders');
  });

  it('escapes CR, LF and other controls so input never starts a log line', () => {
    const forged = 'x\r\n2026-01-01T00:00:00.000Z info forged line\u2028\u001b[31m';
    const safe = excerpt(forged);
    // eslint-disable-next-line no-control-regex
    expect(safe).not.toMatch(/[\r\n\u2028\u001b]/);
    expect(safe).toBe(
      'x\\r\\n2026-01-01T00:00:00.000Z info forged line\\u2028\\u001b[31m',
    );
  });

  it('bounds long input and says how much was cut', () => {
    const safe = excerpt('a'.repeat(181 * 1024));
    expect(safe.length).toBeLessThan(240);
    expect(safe).toMatch(/… \(185144 more characters\)$/);
  });

  it('renders non-strings as bounded JSON', () => {
    expect(excerpt({ a: 'b\n' })).toBe('{"a":"b\\n"}');
    expect(excerpt(['x'.repeat(500)]).length).toBeLessThan(240);
  });
});

describe('sanitizeError', () => {
  it('returns a clean error unchanged and a dirty one as a bounded single line of the same name', () => {
    const clean = new Error('fine');
    expect(sanitizeError(clean)).toBe(clean);
    const dirty = new TypeError(`bad\r\n${'z'.repeat(5000)}`);
    const safe = sanitizeError(dirty);
    expect(safe.name).toBe('TypeError');
    expect(safe.message).not.toMatch(/[\r\n]/);
    expect(safe.message.length).toBeLessThan(1100);
    expect(safe.stack).not.toMatch(/[\r\n]/);
  });
});

describe('describeZodError never echoes input unbounded', () => {
  it('a 181 KB body gives a bounded single-line message', () => {
    const huge = 'q'.repeat(181 * 1024);
    const body: Record<string, unknown> = {
      environment: huge,
      [`${huge}\r\nkey`]: huge,
    };
    const result = createAccessRequestSchema.strict().safeParse(body);
    expect(result.success).toBe(false);
    const message = describeZodError((result as any).error);
    expect(message.length).toBeLessThan(4000);
    expect(message).not.toMatch(/[\r\n]/);
  });

  it('escapes CR/LF in messages that quote input, and names at most ten issues', () => {
    const schema = z.object({ kind: z.enum(['a', 'b']) });
    const result = schema.safeParse({ kind: 'c\r\nINFO forged' });
    const message = describeZodError((result as any).error);
    expect(message).not.toMatch(/[\r\n]/);
    expect(message).toContain('\\r\\n');
    const many = z.array(z.number()).safeParse(Array(50).fill('x'));
    expect(describeZodError((many as any).error)).toMatch(
      /; and 40 more problems$/,
    );
  });
});
