export interface Config {
  /**
   * The api-access review policy. Every key is optional; the defaults
   * reproduce the routing table in the project's DESIGN.md. The backend
   * validates the whole section at start-up and names any bad key.
   */
  apiAccess?: {
    classification?: {
      /**
       * Data classification levels, least to most sensitive.
       * Default: public, internal, confidential, restricted.
       * @visibility frontend
       */
      levels?: string[];
      /**
       * Level for APIs with no classification label on the API, its System or its Domain.
       * Default: internal.
       * @visibility frontend
       */
      default?: string;
    };
    /** Label that marks regulated data (value "true") on an API, System or Domain. Default: api-access/regulated. */
    regulatedLabel?: string;
    /**
     * Environments offered when an API has no api-access/environments annotation.
     * Default: sandbox, development, staging, production.
     * @visibility frontend
     */
    environments?: string[];
    /**
     * Longest access a request may ask for, in days. Default: 365.
     * @visibility frontend
     */
    maxDurationDays?: number;
    /** Per-environment ceilings in days, e.g. { production: 90 }. Default: none. */
    maxDurationDaysByEnvironment?: { [environment: string]: number };
    /** Approvals from distinct owner-group members needed. Default: 1. */
    ownerQuorum?: number;
    /**
     * Review steps routing rules can add. Steps with the same order share a
     * stage and run in parallel; stages run in ascending order after the owner.
     * Default: security (order 1), compliance (order 1), legal (order 2),
     * reviewed by group:default/security, group:default/compliance, group:default/legal.
     */
    reviewSteps?: {
      [name: string]: {
        /** group: or user: entity ref of the reviewers. */
        reviewer: string;
        order: number;
        /** Default: 1. */
        quorum?: number;
      };
    };
    /** Credentials handed out for grants. */
    credentials?: {
      /** Usage terms accepted before a credential is shown. Default: version "1" and a short text. */
      terms?: { version: string; text: string };
      /** Hours a rotated key keeps working beside its successor. Default: 24. */
      rotationOverlapHours?: number;
      /** Seconds introspection answers are cached on a replica (0-60). Default: 5. */
      introspectionCacheSeconds?: number;
      /** Introspection answers for active keys kept per replica, least recently used evicted first. Default: 10000. */
      introspectionCacheEntries?: number;
      /** Answers for unknown or inactive keys kept per replica, apart from the active ones. Default: 1000. */
      introspectionNegativeCacheEntries?: number;
      /** Rate limit reported to gateways for every grant. Default: 600 requests per 60 seconds. */
      rateLimit?: { requests: number; perSeconds: number };
    };
    /** Who may ask POST /introspect and /authorize. */
    gateway?: {
      /**
       * Subjects of the service principals (gateways) allowed to ask: a static
       * externalAccess token's subject as written, `external:<sub>` for a JWKS
       * token, `plugin:<pluginId>` for another plugin. Default: [] (every
       * service caller is refused, with a warning at start-up).
       */
      allowedSubjects?: string[];
      /**
       * Seconds a gateway may cache an /authorize answer that lets a call
       * through (sent as Cache-Control: max-age; never past the key's or the
       * grant's end). This is how long a revoked key can still work at a
       * caching gateway; 0 sends no-store. Whole seconds, 0-60. Default: 1.
       */
      decisionCacheSeconds?: number;
      /** The same for refusals (401 and 403). Default: 1. */
      negativeDecisionCacheSeconds?: number;
      /**
       * Seconds a gateway may cache an /authorize answer that lets a bearer
       * token through (X-Api-Access-Token; never past the token's or the
       * grant's end). Cached token answers cannot be purged by name, so this
       * bounds how long a revoked or suspended grant's tokens still work at a
       * caching gateway. Whole seconds, 0-60. Default: 1.
       */
      tokenDecisionCacheSeconds?: number;
      /**
       * Purge endpoints of the gateways' decision caches (the nginx recipe's
       * purge server, e.g. http://gateway.internal:8081/_api_access_purge).
       * Revoking or rotating a grant's keys drops its cached decisions there
       * at once, so decisionCacheSeconds can be 30-60 s. Default: none.
       */
      purgeEndpoints?: string[];
    };
    /**
     * Active grants as catalog relations (consumesApi / apiConsumedBy),
     * served by GET /catalog/relations to the catalog module
     * @api-access/backstage-plugin-catalog-backend-module-api-access.
     */
    catalogRelations?: {
      /**
       * Service subjects allowed to read every active (consumer, API) pair:
       * `plugin:<pluginId>` for a plugin, a static externalAccess token's
       * subject as written, `external:<sub>` for a JWKS token. Users and
       * other services get 403. Default: [plugin:catalog].
       */
      allowedSubjects?: string[];
      /** Read by the catalog module: seconds one fetched map is reused, 0-3600. Default: 30. */
      cacheSeconds?: number;
      /** Read by the catalog module: seconds the last good map is used while the backend cannot be reached, 0-86400. Default: 600. */
      maxStaleSeconds?: number;
    };
    /** Time-driven rules over grants, run by one scheduled tick. */
    lifecycle?: {
      /** How often the lifecycle tick runs. Default: 5. */
      tickMinutes?: number;
      /** Days before expiry at which reminders go out, each once. Default: [14, 3, 1]. */
      reminderDaysBeforeExpiry?: number[];
      /** Days without use after which a grant is flagged stale. Default: 90. */
      staleAfterDays?: number;
      /** Revoke orphaned grants automatically. Default: false (flag and notify only). */
      revokeOrphaned?: boolean;
      renewal?: {
        /**
         * A renewal gets the plan a new request with its terms would get. Where
         * that plan has reviewers, unchanged terms renew without review only
         * when people reviewed them within this many days; 0 = never. Default: 0.
         */
        autoRenewIfReviewedWithinDays?: number;
        /** With autoRenewIfReviewedWithinDays, also require a credential use within this many days; 0 = no such requirement. Default: 30. */
        autoRenewIfUsedWithinDays?: number;
      };
    };
    /** Retries of provisioner tasks (provision, rotate, revoke). */
    provisioning?: {
      /** Attempts before a task is shown as failed on the grant. Default: 8. */
      maxAttempts?: number;
      /** Seconds to wait after the first failure; doubles each time. Default: 10. */
      initialBackoffSeconds?: number;
      /** Longest wait between attempts. Default: 3600. */
      maxBackoffSeconds?: number;
      /** A provisioner call taking longer fails the attempt. Default: 30. */
      timeoutSeconds?: number;
    };
    /**
     * Review deadlines, counted in wall-clock hours from when a step opened
     * (became pending). Checked on every lifecycle tick.
     */
    deadlines?: {
      /** Remind the step's reviewers (and its delegate) once per round after this many hours; 0 = never. Default: 48. */
      reminderAfterHours?: number;
      /** Escalate the step to `escalateTo` once after this many hours (more than reminderAfterHours); 0 = never. Default: 120. */
      escalateAfterHours?: number;
      /** group: (or user:) entity ref the step is escalated to; its members may then decide the step. Default: none (no escalation). */
      escalateTo?: string;
      /** Overrides for one step name: `owner` or a name in reviewSteps. Default: none. */
      byStep?: {
        [stepName: string]: {
          reminderAfterHours?: number;
          escalateAfterHours?: number;
          escalateTo?: string;
        };
      };
    };
    /**
     * Groups or users told when something needs an operator (a revocation the
     * gateway refused, orphaned grants). Not an authorization list:
     * administrators are whoever the permission policy grants
     * `api-access.admin`. Default: none.
     */
    alertRecipients?: string[];
    /** What notifications about requests link to. */
    notifications?: {
      /**
       * The request's page in the app: a path (or a full URL) with
       * `{requestId}` where the id goes. Set it when the app mounts the
       * api-access page elsewhere than /api-access. Default:
       * `/api-access/requests/{requestId}`.
       */
      requestLink?: string;
    };
    /** The hash-chained history. Read apart from the review policy: it holds a secret. */
    audit?: {
      /**
       * Key of the HMAC that signs the checkpoints GET /audit/verify starts
       * from. Default: derived from backend.auth.keys[0].secret; with
       * neither, no checkpoints are written and every verification rehashes
       * the whole chain.
       * @visibility secret
       */
      checkpointSecret?: string;
    };
    /** The request assistant (docs/request-assistant.md). */
    assessment?: {
      /** Seconds each module assessor (e.g. the LLM one) may take before it is ignored, 0.1-60. Default: 10. */
      moduleTimeoutSeconds?: number;
    };
    /**
     * Periodic access reviews (docs/user-guide.md, "Access reviews"). Each
     * period every owner of APIs gets a campaign listing the grants that were
     * active on its APIs at the period's start: keep (with a comment) or revoke.
     */
    accessReviews?: {
      /** Start campaigns on schedule. Default: true. */
      enabled?: boolean;
      /** Length of a period in days. Default: 90 (quarterly). */
      everyDays?: number;
      /** First day (UTC, YYYY-MM-DD) of the first period; periods follow every everyDays. Default: 2026-01-01. */
      startsOn?: string;
      /** Days owners have to answer, from the campaign's start. Default: 14. */
      dueInDays?: number;
      /** Days before the due date at which owners are reminded, each once. Default: [7, 1]. */
      reminderDaysBeforeDue?: number[];
      /** What happens to unanswered items at the due date: revoke them, or escalate to escalateTo. Default: revoke. */
      unanswered?: 'revoke' | 'escalate';
      /** group: (or user:) entity ref told at the due date, whose members may then answer too. Required with unanswered: escalate. */
      escalateTo?: string;
      /** Let members of an owner start a review of their own grants now (POST /access-reviews/run); admins always may. Default: false. */
      ownersMayStart?: boolean;
    };
    /** Rules that add review steps when their conditions all hold. */
    routing?: Array<{
      name: string;
      when: PolicyCondition;
      addSteps: string[];
    }>;
    /** Rules that approve a request at once (still audited). Default: sandbox + public + internal consumer. */
    autoApprove?: Array<{
      name: string;
      when: PolicyCondition;
    }>;
    /**
     * The plans (tiers) APIs may offer, smallest first: an API offers some of
     * them, and may tailor them, with the catalog annotation api-access/plans.
     * Default: [] (plans are off; every grant keeps credentials.rateLimit).
     * The catalog module (catalog-backend-module-api-access) reads the same
     * list to report a bad declaration on the API.
     */
    plans?: Array<{
      /** 1-32 lowercase letters, digits and dashes; unique. What annotations and requests name. */
      name: string;
      /** Shown to requesters, e.g. "Starter". */
      title: string;
      /** What the plan is for, up to 500 characters. */
      description?: string;
      /**
       * What a grant on the plan may hold: "all" the API's scopes, "read"
       * (its read scopes), or a list (each must be a scope of the API that
       * offers the plan). Default: all.
       */
      scopes?: 'all' | 'read' | string[];
      /**
       * Calls a grant may make per window, reported to gateways as
       * X-Api-Access-Rate-Limit `<requests>;w=<perSeconds>` and enforced per
       * grant by the nginx recipe. requests 1-1,000,000; perSeconds 1-86,400.
       */
      rateLimit: { requests: number; perSeconds: number };
      /**
       * Calls a grant may make per UTC day or calendar month, counted and
       * enforced by api-access (429 with Retry-After past it). null or unset: none.
       */
      quota?: { requests: number; period: 'day' | 'month' } | null;
      /** Longest access a request on the plan may ask for, 1-3650 days. */
      maxDurationDays: number;
      /** Environments the plan can be requested for (each one of environments). Default: every environment the API offers. */
      environments?: string[];
      /**
       * automatic: no owner review (the policy's risk stages still apply);
       * owner: always the owner, even when an auto-approve rule matches;
       * policy: as the review policy says. Default: policy.
       */
      approval?: 'automatic' | 'owner' | 'policy';
    }>;
    /**
     * Client certificates (credential type `mtls-certificate`): a CA that signs
     * requesters' CSRs, and the CRL gateways load. Without `ca`, certificates
     * are not offered. Read apart from the review policy: it holds a private key.
     */
    certificates?: {
      ca?: {
        /** The CA certificate, PEM (one certificate). Served at /certificates/ca.pem. */
        certificate: string;
        /**
         * The CA's private key, PEM (EC P-256/P-384 or RSA 2048+, unencrypted).
         * Give it from the environment or a file: ${API_ACCESS_CA_KEY} or $file.
         * @visibility secret
         */
        privateKey: string;
      };
      /** Longest validity of an issued certificate, in days (never past the grant's expiry). Default: 90. */
      maxValidityDays?: number;
      /** nextUpdate of the CRL, in hours after it was built. Default: 24. */
      crlValidityHours?: number;
      /** Seconds a built CRL is served from memory on a replica (0-300). Default: 5. */
      crlCacheSeconds?: number;
    };
  };
}

interface PolicyCondition {
  environments?: string[];
  minClassification?: string;
  maxClassification?: string;
  consumer?: 'internal' | 'external';
  anyScopes?: string[];
  lifecycles?: string[];
  regulated?: boolean;
  /** The request assistant's risk score (0-100) is at least this. */
  minRiskScore?: number;
}
