/*
 * API keys: issued when the requester accepts the usage terms, shown once,
 * stored as a hash with a public prefix, rotated with an overlap; and
 * introspection for gateways, which is the hot path of every API call.
 *
 * Introspection makes no catalog call and at most one indexed query; answers
 * are cached for `introspectionCacheSeconds` in two bounded LRU caches keyed
 * by the key's hash: one for active keys, a separate small one for unknown
 * or inactive keys, so that spraying unknown keys churns only the latter and
 * never evicts a hot key. Revoking, expiring or rotating clears the grant's
 * cached answers at once on every replica (DecisionBus: LISTEN/NOTIFY on
 * PostgreSQL). /authorize answers say how long a gateway may cache them
 * (apiAccess.gateway.decisionCacheSeconds). Last use is kept in memory and
 * written once a minute. The key's grant carries its plan snapshot and
 * suspension in the same row: a suspended grant is refused (403), the
 * plan's rate limit is answered, and a quota'd grant's decisions are counted
 * (UsageCounter, in memory, flushed every second) and never cached at the
 * gateway; past the quota the answer is 429 until the period resets.
 *
 * Bearer tokens (X-Api-Access-Token, or introspection with
 * token_type_hint=access_token) are checked by the installed bearer-token
 * credential type (its signature, issuer and expiry, without the database),
 * then looked up like keys by the type's hash of the token's client: the
 * grant behind the client must be active, so a revoked or suspended grant's
 * tokens are refused at once, long before they expire. Their answers share
 * the two caches under `t:` + the token's SHA-256, so dropping a grant drops
 * them too; a gateway may keep a token's answer only
 * `tokenDecisionCacheSeconds`, because it cannot be told which of its
 * entries are a revoked client's tokens.
 *
 * Only the gateways named in `apiAccess.gateway.allowedSubjects` may ask.
 */
import { createHash, randomBytes } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  ApiAccessCredentialType,
  CredentialRefusal,
  VerifiedToken,
} from '@api-access/backstage-plugin-api-access-node';
import {
  IntrospectionResult,
  IssuedCredential,
  PlanQuota,
  excerpt,
  quotaResetsAt,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessConfig } from '../config';
import { AuditLog } from '../audit/AuditLog';
import { CredentialLookup, CredentialStore } from './CredentialStore';
import { GrantStore } from '../grants/GrantStore';
import {
  credentialSetKey,
  requireGrantHolder,
  requireLiveGrant,
  requireLockedLiveGrant,
} from '../grants/issuable';
import { Caller } from '../requests/workflowTypes';
import type { ProvisioningService } from '../provisioning/ProvisioningService';
import { LruCache } from './LruCache';
import { DecisionBus, LocalDecisionBus } from './DecisionBus';
import type { GatewayPurger } from './GatewayPurger';
import { UsageCounter } from './UsageCounter';
import { UsageStore } from './UsageStore';

const KEY_PREFIX = 'aak';
const HOUR_MS = 60 * 60 * 1000;
/** API keys are 56 characters; anything much longer is not one. */
const MAX_KEY_LENGTH = 512;
/** JWTs with many scopes or claims; the routes read at most this much too. */
export const MAX_TOKEN_LENGTH = 16384;
/** A compact JWS: three base64url parts. API keys never contain a dot. */
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `aak_<8 public chars>_<43 secret chars>`: the prefix identifies, the rest authenticates. */
function newKey(): { prefix: string; secret: string } {
  const prefix = `${KEY_PREFIX}_${randomBytes(6).toString('base64url')}`;
  return {
    prefix,
    secret: `${prefix}_${randomBytes(32).toString('base64url')}`,
  };
}

/**
 * A long cache time loses up to a third, at random, so that keys first seen
 * together do not all come back to the backend in the same few seconds
 * (bench:gateway saw that burst in its latency tail when it was a tenth).
 */
function jitter(seconds: number): number {
  if (seconds < 10) return seconds;
  return seconds - Math.floor(Math.random() * (Math.floor(seconds / 3) + 1));
}

interface CachedAnswer {
  grantId?: string;
  result: IntrospectionResult;
  /** When this replica asks the database again. */
  until: number;
  /** When the key stops working (grant expiry, end of a rotation overlap). */
  endsAt: number;
  /** The key would work but its grant is suspended (the result is inactive). */
  suspended?: boolean;
  /** The grant's plan has a quota: every decision is counted against it. */
  quota?: PlanQuota;
  /** A bearer token's answer: the type that verified it and the token's audiences. */
  token?: { type: ApiAccessCredentialType; audiences: string[] };
  /**
   * Why a token is refused, when that is more than "not active": the
   * type's own refusal (a bad signature, 503 while it cannot check), or
   * what the lookup found. Safe to send: it names no API or environment.
   */
  refusal?: { status: 401 | 403 | 503; reason: string };
}

/** The credential a caller presented to the gateway. */
export type PresentedCredential = { key?: string; token?: string };

/** The bearer-token credential types installed (the credential type registry). */
export interface BearerTokenTypes {
  tokenTypes(): ApiAccessCredentialType[];
}

export interface CredentialServiceOptions {
  credentials: CredentialStore;
  grants: GrantStore;
  audit: AuditLog;
  config: ApiAccessConfig;
  clock?: () => Date;
  provisioning?: ProvisioningService;
  /** How replicas tell each other about revocations. Default: this replica only. */
  bus?: DecisionBus;
  /** Pushes revocations to the gateways' decision caches, when they are listed. */
  purger?: GatewayPurger;
  /** Counts decisions per grant per day and answers quotas; default: one on the credentials' database. */
  usage?: UsageCounter;
  /** The credential types whose bearer tokens /authorize and /introspect accept; default: none. */
  credentialTypes?: BearerTokenTypes;
}

/** The gateway's answer about one call. */
export interface GatewayDecision {
  /** 503: a bearer token could not be checked now (its identity provider's keys are unreachable). */
  status: 200 | 401 | 403 | 429 | 503;
  /** What was presented, for the 401's challenge: an API key (default), a token, or both. */
  presented?: 'key' | 'token' | 'both';
  reason?: string;
  /** Why a refusal is not about the key itself: `quota` past the plan's quota. */
  refusal?: 'quota';
  /** Seconds until the quota's period resets (Retry-After). */
  retryAfterSeconds?: number;
  result: IntrospectionResult;
  /** How long a gateway may keep this answer (0: not at all). */
  cacheSeconds: number;
  /**
   * For gateways that count cache time in whole seconds (nginx): the last
   * Unix second in which the answer may still be served, so that it is gone
   * by now + cacheSeconds at the latest (X-Accel-Expires: @<this>).
   */
  cacheThroughSecond?: number;
}

export class CredentialService {
  /** Answers for active keys. */
  private readonly cache: LruCache<string, CachedAnswer>;
  /** Answers for unknown or inactive keys: apart, so they never evict active ones. */
  private readonly negativeCache: LruCache<string, CachedAnswer>;
  private readonly gateways: ReadonlySet<string>;
  private lastUses = new Map<string, Date>();
  /**
   * Counts drops: an answer read from the database before a drop and
   * returned after it is not cached (it may predate the revocation).
   */
  private epoch = 0;
  private readonly changed: Array<() => void> = [];

  private readonly credentials: CredentialStore;
  private readonly grants: GrantStore;
  private readonly audit: AuditLog;
  private readonly config: ApiAccessConfig;
  private readonly clock: () => Date;
  private readonly provisioning?: ProvisioningService;
  private readonly bus: DecisionBus;
  private readonly purger?: GatewayPurger;
  private readonly credentialTypes?: BearerTokenTypes;
  private bearerTypes?: ApiAccessCredentialType[];
  /** Usage per grant per day, and quota state. */
  readonly usage: UsageCounter;

  constructor(options: CredentialServiceOptions) {
    this.credentials = options.credentials;
    this.grants = options.grants;
    this.audit = options.audit;
    this.config = options.config;
    this.clock = options.clock ?? (() => new Date());
    this.provisioning = options.provisioning;
    this.bus = options.bus ?? new LocalDecisionBus();
    this.purger = options.purger;
    this.credentialTypes = options.credentialTypes;
    this.usage =
      options.usage ??
      new UsageCounter({
        store: new UsageStore(options.credentials.db),
        clock: this.clock,
      });
    const { config } = this;

    this.cache = new LruCache(config.credentials.introspectionCacheEntries);
    this.negativeCache = new LruCache(
      config.credentials.introspectionNegativeCacheEntries,
    );
    this.gateways = new Set(config.gateway.allowedSubjects);
  }

  /**
   * Throws 403 unless the service principal is a gateway named in
   * `apiAccess.gateway.allowedSubjects`: any other plugin or external token
   * must not learn which keys are live.
   */
  assertGateway(subject: string) {
    if (!this.gateways.has(subject)) {
      throw new NotAllowedError(
        `The service '${excerpt(
          subject,
          100,
        )}' is not an allowed gateway: only the subjects listed in apiAccess.gateway.allowedSubjects may call /introspect and /authorize`,
      );
    }
  }

  /** Starts listening for other replicas' revocations, and flushing usage counts every second. */
  async start() {
    this.usage.start();
    await this.bus.start({
      grant: grantId => {
        this.dropGrant(grantId);
        this.changed.forEach(listener => listener());
      },
      all: () => {
        this.epoch += 1;
        this.cache.clear();
        this.negativeCache.clear();
        this.changed.forEach(listener => listener());
      },
    });
  }

  /**
   * Called when a grant's credentials changed on any replica (this one
   * included): for what else is built from them, such as the CRL.
   */
  onChange(listener: () => void) {
    this.changed.push(listener);
  }

  async stop() {
    await this.usage.stop();
    await this.bus.stop();
  }

  terms() {
    return this.config.credentials.terms;
  }

  /** Issues the grant's first key, or rotates: the old key keeps working for the overlap. */
  async issue(
    grantId: string,
    acceptTerms: string,
    caller: Caller,
  ): Promise<IssuedCredential> {
    const { terms, rotationOverlapHours } = this.config.credentials;
    if (acceptTerms !== terms.version) {
      throw new InputError(
        `acceptTerms must be the current usage terms version '${
          terms.version
        }', got '${excerpt(acceptTerms)}'`,
      );
    }
    const grant =
      (await this.grants.getGrant(this.grants.db, grantId)) ?? undefined;
    if (!grant) {
      throw new NotFoundError(`No grant '${grantId}'`);
    }
    requireGrantHolder(grant, caller.userEntityRef);
    if (grant.credentialType !== 'api-key') {
      throw new ConflictError(
        `The grant's credential type is '${grant.credentialType}'; API keys are only issued for 'api-key' grants`,
      );
    }
    const now = this.clock();
    requireLiveGrant(grant, now);
    const { prefix, secret } = newKey();
    const id = randomUUID();
    const validUntil = new Date(now.getTime() + rotationOverlapHours * HOUR_MS);
    // The key this rotation replaces, as the caller saw it. Under the grant's
    // row lock, a different one means another rotation won meanwhile: this
    // one is refused, so concurrent rotations never stack keys.
    const seen = credentialSetKey(
      await this.credentials.activeForGrants(this.credentials.db, [grantId]),
    );
    const previous = await this.grants.transaction(async tx => {
      requireLockedLiveGrant(await this.grants.lockStatus(tx, grantId), now);
      const superseded = await this.credentials.supersedeActive(
        tx,
        grantId,
        validUntil,
      );
      if (credentialSetKey(superseded) !== seen) {
        throw new ConflictError(
          "The grant's key was rotated by another request at the same time; nothing was changed. Reload and rotate again if you still need a new key.",
        );
      }
      await this.credentials.insert(tx, {
        id,
        grant_id: grantId,
        credential_type: 'api-key',
        prefix,
        secret_hash: hashSecret(secret),
        status: 'active',
        terms_version: terms.version,
        issued_to: caller.userEntityRef,
        created_at: now,
        valid_until: null,
      });
      await this.audit.append(tx, [
        {
          subjectType: 'grant',
          subjectId: grantId,
          requestId: grant.requestId,
          action:
            superseded.length > 0 ? 'credential.rotated' : 'credential.issued',
          actorRef: caller.userEntityRef,
          occurredAt: now,
          // Prefixes identify keys; the secret and its hash never enter the history.
          details: {
            credentialType: 'api-key',
            prefix,
            termsVersion: terms.version,
            termsAcceptedAt: now.toISOString(),
            ...(superseded.length > 0
              ? {
                  supersededPrefixes: superseded.map(row => row.prefix),
                  previousValidUntil: validUntil.toISOString(),
                }
              : {}),
          },
        },
      ]);
      if (superseded.length > 0 && this.provisioning) {
        await this.provisioning.enqueue(tx, grant, 'rotate', {
          credentialId: id,
          now,
        });
      }
      return superseded;
    });
    await this.forgetGrant(grantId);
    if (previous.length > 0) this.provisioning?.kick();
    return {
      id,
      grantId,
      prefix,
      secret,
      termsVersion: terms.version,
      createdAt: now.toISOString(),
      previousValidUntil:
        previous.length > 0 ? validUntil.toISOString() : undefined,
    };
  }

  /**
   * RFC 7662. A suspended grant's key is inactive; so is a quota'd one past
   * its quota (an introspecting gateway has no other way to refuse it).
   * Counted like /authorize: a call when active, a refusal for a suspended
   * or exhausted grant.
   */
  async introspect(
    token: string,
    options: { tokenTypeHint?: string } = {},
  ): Promise<IntrospectionResult> {
    let answer: CachedAnswer;
    if (this.isBearerToken(token, options.tokenTypeHint)) {
      answer = await this.lookupToken(token);
      if (answer.refusal?.status === 503) {
        // Not "inactive": the token may well be good.
        throw new ServiceUnavailableError(answer.refusal.reason);
      }
    } else {
      if (token.length > MAX_KEY_LENGTH) return { active: false };
      answer = await this.lookup(token);
    }
    if (!answer.grantId) return answer.result;
    const now = this.clock();
    if (!answer.result.active) {
      if (answer.suspended) {
        this.usage.record(answer.grantId, 'refused', now.getTime());
      }
      return answer.result;
    }
    if (answer.quota && (await this.overQuota(answer, now)) !== undefined) {
      return { active: false };
    }
    this.usage.record(answer.grantId, 'call', now.getTime());
    return answer.result;
  }

  /**
   * For a quota'd grant past its quota: counts the refusal and answers the
   * seconds until the period resets; undefined while calls are left. No
   * query in the common case (UsageCounter keeps the total).
   */
  private async overQuota(
    answer: CachedAnswer,
    now: Date,
  ): Promise<number | undefined> {
    const quota = answer.quota!;
    const grantId = answer.grantId!;
    const used =
      this.usage.knownUsed(grantId, quota, now) ??
      (await this.usage.used(grantId, quota, now));
    if (used < quota.requests) return undefined;
    this.usage.record(grantId, 'refused', now.getTime());
    return Math.max(
      1,
      Math.ceil(
        (quotaResetsAt(now, quota.period).getTime() - now.getTime()) / 1000,
      ),
    );
  }

  /** Whether a bearer-token type is installed (/introspect reads larger bodies then). */
  acceptsTokens(): boolean {
    return this.tokenTypes().length > 0;
  }

  /**
   * The installed bearer-token types (none without a registry). Read once:
   * modules add their types before the plugin builds this service, and
   * /introspect asks on every call.
   */
  private tokenTypes(): ApiAccessCredentialType[] {
    this.bearerTypes ??= (this.credentialTypes?.tokenTypes() ?? []).filter(
      type => typeof type.verifyToken === 'function',
    );
    return this.bearerTypes;
  }

  /**
   * Introspection: a token when the gateway says so, or when it looks like
   * a JWS and a bearer-token type is installed (API keys have no dots).
   */
  private isBearerToken(value: string, hint?: string): boolean {
    if (hint === 'access_token') return true;
    if (hint === 'api_key') return false;
    return JWS_SHAPE.test(value) && this.tokenTypes().length > 0;
  }

  /** The answer about a key, and until when it holds at most. */
  private async lookup(token: string): Promise<CachedAnswer> {
    const hash = hashSecret(token);
    const nowMs = this.clock().getTime();
    // While this replica may have missed another's revocation, it trusts
    // nothing it cached.
    const live = this.bus.live;
    const cached = live
      ? this.cache.get(hash) ?? this.negativeCache.get(hash)
      : undefined;
    if (cached && cached.until > nowMs) {
      if (cached.result.active && cached.grantId)
        this.lastUses.set(cached.grantId, new Date(nowMs));
      return cached;
    }
    const epoch = this.epoch;
    const found = await this.credentials.findByHash(hash);
    const answer = this.answerFor(found, nowMs);
    this.remember(hash, answer, live, epoch);
    return answer;
  }

  /**
   * The answer about a bearer token: the type checks it (no database), then
   * the grant behind its client is looked up as a key's is. Cached in the
   * same two caches under `t:` + its SHA-256; a type that cannot check now
   * (503) is never cached.
   */
  private async lookupToken(token: string): Promise<CachedAnswer> {
    const hash = `t:${hashSecret(token)}`;
    const nowMs = this.clock().getTime();
    const live = this.bus.live;
    const cached = live
      ? this.cache.get(hash) ?? this.negativeCache.get(hash)
      : undefined;
    if (cached && cached.until > nowMs) {
      if (cached.result.active && cached.grantId)
        this.lastUses.set(cached.grantId, new Date(nowMs));
      return cached;
    }
    const epoch = this.epoch;
    const types = this.tokenTypes();
    let refusal: CachedAnswer['refusal'] = {
      status: 401,
      reason: 'bearer tokens are not accepted here',
    };
    for (const type of types) {
      try {
        const verified = await type.verifyToken!(token);
        const found = await this.credentials.findByHash(
          verified.lookupHash,
          type.id,
        );
        const answer = this.answerFor(found, nowMs, { type, verified });
        this.remember(hash, answer, live, epoch);
        return answer;
      } catch (error) {
        const refused = refusalOf(error);
        // With several types, the first one's reason, unless one of them
        // could not check at all: then nobody may call the token bad.
        if (
          refusal.status !== 503 &&
          (type === types[0] || refused.status === 503)
        ) {
          refusal = refused;
        }
      }
    }
    const answer: CachedAnswer = {
      result: { active: false },
      until:
        refusal.status === 503
          ? nowMs
          : nowMs + this.config.credentials.introspectionCacheSeconds * 1000,
      endsAt: nowMs,
      refusal,
    };
    if (refusal.status !== 503) this.remember(hash, answer, live, epoch);
    return answer;
  }

  /** Keeps an answer unless a drop happened since it was read from the database. */
  private remember(
    hash: string,
    answer: CachedAnswer,
    live: boolean,
    epoch: number,
  ) {
    if (!live || epoch !== this.epoch) return;
    if (answer.result.active) {
      this.negativeCache.delete(hash);
      this.cache.set(hash, answer);
    } else {
      this.cache.delete(hash);
      this.negativeCache.set(hash, answer);
    }
  }

  /**
   * What the credential row found says, at nowMs. For a bearer token, also
   * the token's own end, its scopes (only those the grant still has) and
   * its audiences.
   */
  private answerFor(
    found: CredentialLookup | undefined,
    nowMs: number,
    token?: { type: ApiAccessCredentialType; verified: VerifiedToken },
  ): CachedAnswer {
    let result: IntrospectionResult = { active: false };
    let until =
      nowMs + this.config.credentials.introspectionCacheSeconds * 1000;
    const tokenEndsAt = token?.verified.expiresAt.getTime() ?? Infinity;
    const credentialWorks =
      !!found &&
      (found.credentialStatus === 'active' ||
        (found.credentialStatus === 'superseded' &&
          !!found.validUntil &&
          found.validUntil.getTime() > nowMs));
    const keyWorks =
      credentialWorks &&
      found!.expiresAt.getTime() > nowMs &&
      tokenEndsAt > nowMs;
    const usable = keyWorks && found!.grantStatus === 'active';
    // Refused with its own reason (403, not 401): resuming makes it work again.
    const suspended = keyWorks && found!.grantStatus === 'suspended';
    let endsAt = nowMs;
    let quota: PlanQuota | undefined;
    if (found && usable) {
      // The plan's limit, or the global one for a plan-less grant.
      const rateLimit =
        found.plan?.rateLimit ?? this.config.credentials.rateLimit;
      quota = found.plan?.quota;
      // A token carries the scopes it was issued with; the grant's current
      // ones win, so a narrowed grant refuses the dropped scope at once.
      const scopes = token
        ? found.scopes.filter(scope => token.verified.scopes.includes(scope))
        : found.scopes;
      result = {
        active: true,
        scope: scopes.join(' '),
        client_id: found.consumerRef,
        sub: found.consumerRef,
        aud: found.apiRef,
        exp: Math.floor(
          Math.min(found.expiresAt.getTime(), tokenEndsAt) / 1000,
        ),
        environment: found.environment,
        grant_id: found.grantId,
        rate_limit: {
          requests: rateLimit.requests,
          per_seconds: rateLimit.perSeconds,
        },
        ...(found.plan ? { plan: found.plan.name } : {}),
        ...(quota
          ? { quota: { requests: quota.requests, period: quota.period } }
          : {}),
        ...(token ? { oauth_client_id: token.verified.clientId } : {}),
      };
      // Never cache past the moment the key, the token or the grant stops working.
      endsAt = Math.min(
        found.expiresAt.getTime(),
        found.validUntil?.getTime() ?? Infinity,
        tokenEndsAt,
      );
      until = Math.min(until, endsAt);
      this.lastUses.set(found.grantId, new Date(nowMs));
    }
    let refusal: CachedAnswer['refusal'];
    if (token && !usable && !suspended) {
      let reason = "the token's client is no longer active";
      if (!found) reason = "the token's client has no grant";
      else if (tokenEndsAt <= nowMs) reason = 'the token has expired';
      else if (
        found.grantStatus !== 'active' ||
        found.expiresAt.getTime() <= nowMs
      ) {
        reason = "the token's client has no active grant";
      }
      // Otherwise its credential was revoked, or rotated past the overlap.
      refusal = { status: 401, reason };
    }
    return {
      grantId: found?.grantId,
      result,
      until,
      endsAt,
      ...(suspended ? { suspended: true } : {}),
      ...(quota ? { quota } : {}),
      ...(token
        ? {
            token: { type: token.type, audiences: token.verified.audiences },
          }
        : {}),
      ...(refusal ? { refusal } : {}),
    };
  }

  /**
   * The gateway's question, answered as a status code (what nginx
   * auth_request and Envoy ext_authz understand): 200 when the key works for
   * this API (and scope and environment, when given), 401 when the key is
   * missing or not active, 403 when it is active but for something else.
   * A string is an API key; `{ token }` a bearer token (503 when its type
   * cannot check it now). Both at once are refused.
   */
  async authorize(
    presented: string | undefined | PresentedCredential,
    target: { apiRef: string; scope?: string; environment?: string },
    options: { quotaRefusalAs403?: boolean } = {},
  ): Promise<GatewayDecision> {
    const { key, token } =
      typeof presented === 'object' ? presented : { key: presented };
    let decision: GatewayDecision;
    if (key && token) {
      decision = {
        status: 401,
        presented: 'both',
        reason: 'present an API key or a token, not both',
        result: { active: false },
        cacheSeconds: this.config.gateway.negativeDecisionCacheSeconds,
      };
    } else if (token) {
      decision = await this.decideToken(token, target, options);
    } else {
      decision = await this.decide(key, target, options);
    }
    if (decision.cacheSeconds === 0) return decision;
    // A whole-second cache keeps an entry through the end of the second it
    // expires in: stop a second early so it never outlives cacheSeconds.
    const deadline = this.clock().getTime() + decision.cacheSeconds * 1000;
    return {
      ...decision,
      cacheThroughSecond: Math.floor(deadline / 1000) - 1,
    };
  }

  /**
   * A bearer token's decision: the same rules as a key's, with the token's
   * own refusals, its audience checked by its type, and a gateway cache of
   * at most tokenDecisionCacheSeconds (no purge can reach token entries).
   */
  private async decideToken(
    token: string,
    target: { apiRef: string; scope?: string; environment?: string },
    options: { quotaRefusalAs403?: boolean },
  ): Promise<GatewayDecision> {
    const { negativeDecisionCacheSeconds: refused, tokenDecisionCacheSeconds } =
      this.config.gateway;
    const refuse = (
      status: 401 | 403 | 503,
      reason: string,
      result: IntrospectionResult = { active: false },
    ): GatewayDecision => ({
      status,
      presented: 'token',
      reason,
      result,
      // A type that cannot check now is asked again on the next call.
      cacheSeconds: status === 503 ? 0 : refused,
    });
    if (token.length > MAX_TOKEN_LENGTH) {
      return refuse(401, 'the token is malformed');
    }
    const answer = await this.lookupToken(token);
    const { result, grantId } = answer;
    const now = this.clock();
    if (answer.suspended && grantId) {
      this.usage.record(grantId, 'refused', now.getTime());
      return refuse(403, 'the grant is suspended', result);
    }
    if (!result.active) {
      const refusal = answer.refusal ?? {
        status: 401,
        reason: "the token's client has no active grant",
      };
      return refuse(refusal.status, refusal.reason, result);
    }
    // Reasons never name the API or environment the token is for.
    const audienceFits =
      answer.token?.type.acceptsAudience?.(
        answer.token.audiences,
        target.apiRef,
      ) ?? true;
    if (!audienceFits || result.aud !== target.apiRef) {
      this.usage.record(grantId!, 'refused', now.getTime());
      return refuse(403, 'the token is not for this API', result);
    }
    if (target.environment && result.environment !== target.environment) {
      this.usage.record(grantId!, 'refused', now.getTime());
      return refuse(403, 'the token is not for this environment', result);
    }
    const missing = missingScopes(result.scope, target.scope);
    if (missing.length > 0) {
      this.usage.record(grantId!, 'refused', now.getTime());
      return refuse(
        403,
        `the token lacks the scope ${missing.join(', ')}`,
        result,
      );
    }
    // A token's 200 is kept at most tokenDecisionCacheSeconds, without jitter.
    return this.admit(answer, now, options, {
      presented: 'token',
      maxCacheSeconds: () => tokenDecisionCacheSeconds,
    });
  }

  private async decide(
    token: string | undefined,
    target: { apiRef: string; scope?: string; environment?: string },
    options: { quotaRefusalAs403?: boolean },
  ): Promise<GatewayDecision> {
    const { decisionCacheSeconds, negativeDecisionCacheSeconds } =
      this.config.gateway;
    const refused = negativeDecisionCacheSeconds;
    if (!token) {
      return {
        status: 401,
        reason: 'no API key presented',
        result: { active: false },
        cacheSeconds: refused,
      };
    }
    if (token.length > MAX_KEY_LENGTH) {
      return {
        status: 401,
        reason: 'the API key is not active',
        result: { active: false },
        cacheSeconds: refused,
      };
    }
    const answer = await this.lookup(token);
    const { result, grantId } = answer;
    const now = this.clock();
    if (answer.suspended && grantId) {
      this.usage.record(grantId, 'refused', now.getTime());
      return {
        status: 403,
        reason: 'the grant is suspended',
        result,
        cacheSeconds: refused,
      };
    }
    if (!result.active) {
      return {
        status: 401,
        reason: 'the API key is not active',
        result,
        cacheSeconds: refused,
      };
    }
    // Reasons reach the API's caller (the gateway passes them on): they never
    // name the API or environment a key belongs to, only what was asked.
    if (result.aud !== target.apiRef) {
      this.usage.record(grantId!, 'refused', now.getTime());
      return {
        status: 403,
        reason: 'the API key is not for this API',
        result,
        cacheSeconds: refused,
      };
    }
    if (target.environment && result.environment !== target.environment) {
      this.usage.record(grantId!, 'refused', now.getTime());
      return {
        status: 403,
        reason: 'the API key is not for this environment',
        result,
        cacheSeconds: refused,
      };
    }
    const missing = missingScopes(result.scope, target.scope);
    if (missing.length > 0) {
      this.usage.record(grantId!, 'refused', now.getTime());
      return {
        status: 403,
        reason: `the API key lacks the scope ${missing.join(', ')}`,
        result,
        cacheSeconds: refused,
      };
    }
    // A key's 200 (no `presented`: a key is the default) is kept a jittered
    // decisionCacheSeconds.
    return this.admit(answer, now, options, {
      maxCacheSeconds: () => jitter(decisionCacheSeconds),
    });
  }

  /**
   * The end both decisions share once the key or token fits the target: the
   * quota, the call counted, and how long the gateway may keep the 200.
   * `presented` is set only for a token (a key's answers carry none);
   * maxCacheSeconds is asked only when the 200 may be cached.
   */
  private async admit(
    answer: CachedAnswer,
    now: Date,
    options: { quotaRefusalAs403?: boolean },
    how: { presented?: 'token'; maxCacheSeconds: () => number },
  ): Promise<GatewayDecision> {
    const { result, endsAt, grantId } = answer;
    const presented = how.presented ? { presented: how.presented } : {};
    if (answer.quota) {
      const retryAfterSeconds = await this.overQuota(answer, now);
      if (retryAfterSeconds !== undefined) {
        // nginx's auth_request passes only 2xx/401/403 on: such a gateway
        // asks for a 403 that says why, and answers its own 429.
        return {
          status: options.quotaRefusalAs403 ? 403 : 429,
          ...presented,
          reason: 'the quota of the plan is used up',
          refusal: 'quota',
          retryAfterSeconds,
          result,
          cacheSeconds: 0,
        };
      }
    }
    this.usage.record(grantId!, 'call', now.getTime());
    // A quota'd grant's decisions are never cached at the gateway: each call
    // must be counted here.
    if (answer.quota) {
      return { status: 200, ...presented, result, cacheSeconds: 0 };
    }
    // Never past the moment the key, token or grant stops working: a gateway
    // counts whole seconds, so round down.
    const remaining = Math.floor((endsAt - now.getTime()) / 1000);
    return {
      status: 200,
      ...presented,
      result,
      cacheSeconds: Math.max(0, Math.min(how.maxCacheSeconds(), remaining)),
    };
  }

  /** Writes the last uses collected since the previous flush. */
  async flushLastUses() {
    if (this.lastUses.size === 0) return;
    const batch = this.lastUses;
    this.lastUses = new Map();
    await this.grants.recordLastUse(batch);
  }

  /**
   * A grant's keys changed (revoked, expired, rotated): every replica drops
   * its cached answers about them. Call after the change is committed.
   */
  async forgetGrant(grantId: string) {
    await Promise.all([
      this.bus.publish(grantId),
      this.purger?.purgeGrant(grantId),
    ]);
  }

  private dropGrant(grantId: string) {
    this.epoch += 1;
    this.cache.deleteWhere(answer => answer.grantId === grantId);
    this.negativeCache.deleteWhere(answer => answer.grantId === grantId);
  }
}

/** The scopes a call needs that the answer does not grant (both space-separated). */
function missingScopes(
  granted: string | undefined,
  needed: string | undefined,
): string[] {
  const have = (granted ?? '').split(' ').filter(Boolean);
  return (needed ?? '')
    .split(' ')
    .filter(Boolean)
    .filter(scope => !have.includes(scope));
}

/**
 * A type's refusal as it may be sent; anything else a type throws (a bug, a
 * network error it did not wrap) means it could not check the token: 503,
 * never a verdict on the token.
 */
function refusalOf(error: unknown): {
  status: 401 | 403 | 503;
  reason: string;
} {
  // By name too: a module may bring its own copy of the -node package.
  if (
    error instanceof CredentialRefusal ||
    (error instanceof Error &&
      error.name === 'CredentialRefusal' &&
      [401, 403, 503].includes((error as CredentialRefusal).status))
  ) {
    return {
      status: (error as CredentialRefusal).status,
      // It goes into a header: printable ASCII, one line, bounded.
      reason: error.message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200),
    };
  }
  return { status: 503, reason: 'the token could not be checked now' };
}
