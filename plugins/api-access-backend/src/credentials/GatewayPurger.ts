/*
 * Revocations pushed to the gateways' decision caches.
 *
 * Without it, a gateway keeps an /authorize answer for
 * apiAccess.gateway.decisionCacheSeconds, which must then stay short (1 s)
 * for revocation to be quick, and every hot key costs a backend call each
 * second. With `apiAccess.gateway.purgeEndpoints` listed, the replica that
 * revokes (or rotates) tells every gateway to drop the grant's entries at
 * once, so the cache time can be long (30-60 s) and nearly every call is a
 * cache hit.
 *
 * The nginx recipe keys its cache by `<SHA-256 of the key, hex> <scope>`;
 * api-access stores exactly that hash, so it can name the entries without
 * knowing the key. It purges one entry per key and per scope the grant has
 * (and the empty scope): those are the only entries that can say 200.
 * `PURGE <endpoint>/<key, URL-encoded>`; 200 (purged) and 404 or 412 (not
 * cached) are both fine. Each gateway gets two tries within a second; a
 * gateway that cannot be reached is named in a warning, and there the key
 * keeps working until its entry expires (at most decisionCacheSeconds).
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { CredentialStore } from './CredentialStore';

export interface GatewayPurgerOptions {
  endpoints: string[];
  credentials: CredentialStore;
  logger: LoggerService;
  /** Per try. Default: 500 ms. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class GatewayPurger {
  private readonly endpoints: string[];
  private readonly credentials: CredentialStore;
  private readonly logger: LoggerService;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;

  constructor(options: GatewayPurgerOptions) {
    this.endpoints = options.endpoints.map(url => url.replace(/\/+$/, ''));
    this.credentials = options.credentials;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? 500;
    this.fetch = options.fetch ?? fetch;
  }

  get enabled() {
    return this.endpoints.length > 0;
  }

  /** The cache keys a gateway may hold for a grant. */
  async cacheKeys(grantId: string): Promise<string[]> {
    const { hashes, scopes } = await this.credentials.keyHashesOfGrant(grantId);
    return hashes.flatMap(hash =>
      ['', ...scopes].map(scope => `${hash} ${scope}`),
    );
  }

  /** Drops the grant's entries at every gateway; never throws. */
  async purgeGrant(grantId: string): Promise<void> {
    if (!this.enabled) return;
    let keys: string[];
    try {
      keys = await this.cacheKeys(grantId);
    } catch (error) {
      this.logger.warn(
        `api-access: could not purge grant ${grantId} from the gateways' caches: ${
          (error as Error).message
        }`,
      );
      return;
    }
    await Promise.all(
      this.endpoints.map(endpoint => this.purgeAt(endpoint, grantId, keys)),
    );
  }

  private async purgeAt(endpoint: string, grantId: string, keys: string[]) {
    let failure = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const answers = await Promise.all(
          keys.map(key =>
            this.fetch(`${endpoint}/${encodeURIComponent(key)}`, {
              method: 'PURGE',
              signal: AbortSignal.timeout(this.timeoutMs),
            }),
          ),
        );
        const bad = answers.find(a => ![200, 404, 412].includes(a.status));
        if (!bad) return;
        failure = `answered ${bad.status}`;
      } catch (error) {
        failure = (error as Error).message;
      }
    }
    this.logger.warn(
      `api-access: the gateway cache at ${endpoint} did not purge grant ${grantId} (${failure}); its keys may pass there until their cached answers expire (apiAccess.gateway.decisionCacheSeconds)`,
    );
  }
}
