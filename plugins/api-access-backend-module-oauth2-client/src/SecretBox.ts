/*
 * Seals the registration access tokens this module keeps, with AES-256-GCM
 * under a key ring from config: the first key seals, every key opens, so a
 * key is rotated by putting a new one first and dropping the old one once
 * the rekey task has re-sealed every row (it logs when none is left).
 *
 * Sealed form: `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url). The
 * additional data binds a sealed value to its row, so a value copied into
 * another row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { EncryptionKey } from './config';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  private readonly sealingKeyId: string;

  constructor(keys: readonly EncryptionKey[]) {
    if (keys.length === 0) {
      throw new Error('SecretBox needs at least one key');
    }
    this.keys = new Map();
    for (const key of keys) {
      if (key.secret.length !== 32) {
        throw new Error(
          `Encryption key '${key.id}' must be 32 bytes, got ${key.secret.length}`,
        );
      }
      if (this.keys.has(key.id)) {
        throw new Error(`Encryption key id '${key.id}' is listed twice`);
      }
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(key.id)) {
        throw new Error(`Encryption key id '${key.id}' is not valid`);
      }
      this.keys.set(key.id, key.secret);
    }
    this.sealingKeyId = keys[0].id;
  }

  /** The id of the key new values are sealed with. */
  get currentKeyId(): string {
    return this.sealingKeyId;
  }

  seal(plain: string, aad: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(
      'aes-256-gcm',
      this.keys.get(this.sealingKeyId)!,
      iv,
    );
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [
      VERSION,
      this.sealingKeyId,
      iv.toString('base64url'),
      ct.toString('base64url'),
      tag.toString('base64url'),
    ].join('.');
  }

  /** Throws (naming no value) when the value is not sealed by a known key for this aad. */
  open(sealed: string, aad: string): string {
    const { keyId, iv, ct, tag } = SecretBox.parse(sealed);
    const key = this.keys.get(keyId);
    if (!key) {
      throw new Error(
        `The value is sealed with encryption key '${keyId}', which apiAccess.oauth2Client.encryption.keys no longer lists`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(ct), decipher.final()]).toString(
        'utf8',
      );
    } catch {
      throw new Error(
        `The value sealed with encryption key '${keyId}' does not open: it was altered or belongs to another record`,
      );
    }
  }

  /** True when the value is sealed with a key other than the current one. */
  needsRekey(sealed: string): boolean {
    return SecretBox.keyIdOf(sealed) !== this.sealingKeyId;
  }

  static keyIdOf(sealed: string): string {
    return SecretBox.parse(sealed).keyId;
  }

  private static parse(sealed: string) {
    const parts = sealed.split('.');
    if (parts.length !== 5 || parts[0] !== VERSION) {
      throw new Error('The value is not a sealed value of this module');
    }
    const iv = Buffer.from(parts[2], 'base64url');
    const tag = Buffer.from(parts[4], 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      throw new Error('The value is not a sealed value of this module');
    }
    return {
      keyId: parts[1],
      iv,
      ct: Buffer.from(parts[3], 'base64url'),
      tag,
    };
  }
}
