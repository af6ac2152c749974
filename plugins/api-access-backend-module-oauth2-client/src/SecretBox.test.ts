import { randomBytes } from 'node:crypto';
import { SecretBox } from './SecretBox';

const k1 = { id: 'k1', secret: randomBytes(32) };
const k2 = { id: 'k2', secret: randomBytes(32) };

describe('SecretBox', () => {
  it('seals with the first key and opens with any key of the ring', () => {
    const old = new SecretBox([k1]);
    const sealed = old.seal('rat-plain-value', 'row-1');
    expect(sealed).toMatch(/^v1\.k1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('rat-plain-value');

    const rotated = new SecretBox([k2, k1]);
    expect(rotated.open(sealed, 'row-1')).toBe('rat-plain-value');
    expect(rotated.needsRekey(sealed)).toBe(true);
    const resealed = rotated.seal('rat-plain-value', 'row-1');
    expect(SecretBox.keyIdOf(resealed)).toBe('k2');
    expect(rotated.needsRekey(resealed)).toBe(false);
  });

  it('does not open under another aad, when altered, or without its key', () => {
    const box = new SecretBox([k1]);
    const sealed = box.seal('secret', 'row-1');
    expect(() => box.open(sealed, 'row-2')).toThrow(
      "sealed with encryption key 'k1' does not open",
    );
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => box.open(parts.join('.'), 'row-1')).toThrow('does not open');
    expect(() => new SecretBox([k2]).open(sealed, 'row-1')).toThrow(
      "encryption key 'k1', which apiAccess.oauth2Client.encryption.keys no longer lists",
    );
    expect(() => box.open('plain', 'row-1')).toThrow('not a sealed value');
  });

  it('uses a fresh iv each time', () => {
    const box = new SecretBox([k1]);
    expect(box.seal('x', 'a')).not.toBe(box.seal('x', 'a'));
  });

  it('refuses bad rings naming the key', () => {
    expect(
      () => new SecretBox([{ id: 'short', secret: randomBytes(16) }]),
    ).toThrow("Encryption key 'short' must be 32 bytes, got 16");
    expect(() => new SecretBox([k1, { ...k2, id: 'k1' }])).toThrow(
      "Encryption key id 'k1' is listed twice",
    );
    expect(() => new SecretBox([])).toThrow();
  });
});
