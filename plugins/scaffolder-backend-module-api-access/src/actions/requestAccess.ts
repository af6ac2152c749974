/*
 * The scaffolder action `api-access:request`: a template asks for access to
 * an API as the user who runs the template. It holds no authority of its own:
 * it calls the api-access backend with a token on behalf of that user, so the
 * backend applies every rule it applies to the form (ownership of the
 * consumer, the review plan, the request assistant, the permission policy).
 */
import {
  AuthService,
  BackstageCredentials,
  BackstageUserPrincipal,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ServiceUnavailableError,
} from '@backstage/errors';
import {
  TemplateAction,
  createTemplateAction,
} from '@backstage/plugin-scaffolder-node';
import {
  AccessRequest,
  ApiAccessHttpClient,
  CreateAccessRequestParsed,
  ReviewPlan,
  createAccessRequestSchema,
  describeZodError,
} from '@api-access/backstage-plugin-api-access-common';

/**
 * The action's id, as templates name it in `steps[].action`.
 *
 * @public
 */
export const API_ACCESS_REQUEST_ACTION_ID = 'api-access:request';

/**
 * Where the api-access frontend shows one request, relative to the app's
 * root, for the default mount point of its page (`/api-access`).
 *
 * @public
 */
export function requestPagePath(requestId: string): string {
  return `/api-access/requests/${encodeURIComponent(requestId)}`;
}

const examples = [
  {
    description:
      'Request sandbox access to an API for a component your team owns, with the values from the form',
    example: `steps:
  - id: request-access
    name: Request API access
    action: api-access:request
    input:
      apiRef: \${{ parameters.apiRef }}
      consumerRef: \${{ parameters.consumerRef }}
      environment: sandbox
      scopes: ['pets:read']
      useCase: Show pet names on the new integration's dashboard.
      justification: \${{ parameters.justification }}
      credentialStorage: Vault kv/team-a/new-integration, rotated monthly by the deploy pipeline
      durationDays: 90
output:
  links:
    - title: Access request
      url: \${{ steps['request-access'].output.link }}`,
  },
  {
    description:
      'Production access with a client certificate instead of an API key (the api-access backend must have a certificate authority configured)',
    example: `steps:
  - id: request-access
    action: api-access:request
    input:
      apiRef: api:default/petstore
      consumerRef: component:default/artist-lookup
      environment: production
      scopes: ['pets:read', 'pets:write']
      credentialType: mtls-certificate
      useCase: Nightly sync of adoptions into the artist catalogue.
      justification: Contract 2026-114 with the petstore team.
      credentialStorage: Kubernetes secret artist-lookup-petstore-cert, mounted read-only
      durationDays: 30`,
  },
  {
    description:
      'A dry run (the template editor, or a dry-run request): validates the input and previews who would review, without creating a request',
    example: `steps:
  - id: request-access
    action: api-access:request
    input:
      apiRef: api:default/petstore
      consumerRef: component:default/artist-lookup
      environment: staging
      scopes: ['pets:read']
      useCase: Try the template.
      justification: Try the template.
      credentialStorage: none yet
      durationDays: 7
# In a dry run the step outputs status 'dry-run', the review plan and
# reviewSummary; requestId and link are absent.`,
  },
];

/**
 * What the action needs from the backend it runs in.
 *
 * @public
 */
export interface ApiAccessRequestActionOptions {
  /** Issues the token on behalf of the user who runs the template. */
  auth: AuthService;
  /** Finds the api-access backend (plugin id `api-access`). */
  discovery: DiscoveryService;
  /** Defaults to the global fetch; tests may pass their own. */
  fetch?: typeof fetch;
}

/**
 * The inputs of `api-access:request` (named, so the API report does not
 * depend on the order the type checker meets zod's inferred members).
 *
 * @public
 */
export type ApiAccessRequestActionInput = {
  apiRef: string;
  consumerRef: string;
  environment: string;
  useCase: string;
  justification: string;
  credentialStorage: string;
  durationDays: number;
  scopes?: string[] | undefined;
  credentialType?: string | undefined;
};

/**
 * The outputs of `api-access:request`.
 *
 * @public
 */
export type ApiAccessRequestActionOutput = {
  status: string;
  reviewSummary: string;
  plan: {
    autoApproved: boolean;
    autoApproveRule?: string | undefined;
    stages: {
      name: string;
      steps: {
        name: string;
        reviewerRef: string;
        quorum: number;
        reason: string;
        rules: string[];
      }[];
    }[];
  };
  requestId?: string | undefined;
  link?: string | undefined;
  requesterRef?: string | undefined;
  grantId?: string | undefined;
};

/**
 * Creates the `api-access:request` action. Register it with the scaffolder's
 * `scaffolderActionsExtensionPoint`, as this package's module does.
 *
 * @public
 */
export function createApiAccessRequestAction(
  options: ApiAccessRequestActionOptions,
): TemplateAction<
  ApiAccessRequestActionInput,
  ApiAccessRequestActionOutput,
  'v2'
> {
  const { auth } = options;
  const client = new ApiAccessHttpClient({
    discoveryApi: options.discovery,
    fetchApi: options.fetch ? { fetch: options.fetch } : undefined,
  });

  return createTemplateAction({
    id: API_ACCESS_REQUEST_ACTION_ID,
    description:
      'Requests access to an API through api-access, as the user who runs the template: the request is theirs, every api-access rule applies (they must belong to a group that owns the consumer), and it goes to review like a request made in the form. In a dry run, validates the input and outputs the review plan without creating anything.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        apiRef: z =>
          z
            .string()
            .describe(
              'The API to access, an entity ref of kind API, e.g. api:default/petstore',
            ),
        consumerRef: z =>
          z
            .string()
            .describe(
              'Who will call the API: a Component a group of the user owns, or a partner or vendor Group the user belongs to, e.g. component:default/artist-lookup. A component this template is creating is not in the catalog yet and cannot be the consumer.',
            ),
        environment: z =>
          z
            .string()
            .describe(
              "One of the API's environments (annotation api-access/environments), e.g. sandbox or production",
            ),
        scopes: z =>
          z
            .array(z.string())
            .optional()
            .describe(
              "Scopes to request, from the API's api-access/scopes annotation or its OpenAPI security schemes. Default: none.",
            ),
        credentialType: z =>
          z
            .string()
            .regex(/^[a-z][a-z0-9-]{1,31}$/)
            .optional()
            .describe(
              'The credential a grant will carry: api-key (the default) or mtls-certificate (needs a certificate authority configured in the api-access backend), or a type a backend module adds, e.g. oauth2-client. The api-access backend refuses a type it does not offer and names those it does (GET /credential-types).',
            ),
        useCase: z =>
          z
            .string()
            .describe(
              'What the consumer will do with the API (at most 2000 characters)',
            ),
        justification: z =>
          z
            .string()
            .describe(
              'Why the access is needed: the business reason reviewers weigh (at most 2000 characters)',
            ),
        credentialStorage: z =>
          z
            .string()
            .describe(
              'Where the credential will be stored and how it will be rotated, e.g. "Vault kv/team-a/app, rotated monthly" (at most 1000 characters). Never a secret itself: api-access refuses text that looks like one.',
            ),
        durationDays: z =>
          z
            .number()
            .int()
            .describe(
              'How long the grant should last, in days (1 to 3650; the api-access policy may allow less per environment)',
            ),
      },
      output: {
        requestId: z =>
          z
            .string()
            .optional()
            .describe('The id of the request created (absent in a dry run)'),
        status: z =>
          z
            .string()
            .describe(
              "The request's status: in_review, or approved when policy auto-approved it; dry-run in a dry run",
            ),
        link: z =>
          z
            .string()
            .optional()
            .describe(
              "The request's page in the app, /api-access/requests/<id> (absent in a dry run)",
            ),
        requesterRef: z =>
          z
            .string()
            .optional()
            .describe(
              'Who the request belongs to: the user who ran the template (absent in a dry run)',
            ),
        grantId: z =>
          z
            .string()
            .optional()
            .describe('The grant, when policy approved the request at once'),
        reviewSummary: z =>
          z
            .string()
            .describe(
              'Who reviews, in words, e.g. "owner (group:default/team-c), then security (group:default/security)"',
            ),
        plan: z =>
          z
            .object({
              autoApproved: z.boolean(),
              autoApproveRule: z.string().optional(),
              stages: z.array(
                z.object({
                  name: z.string(),
                  steps: z.array(
                    z.object({
                      name: z.string(),
                      reviewerRef: z.string(),
                      quorum: z.number(),
                      reason: z.string(),
                      rules: z.array(z.string()),
                    }),
                  ),
                }),
              ),
            })
            .describe('The review plan: ordered stages of parallel steps'),
      },
    },

    async handler(ctx) {
      const draft = validate(ctx.input);
      const credentials = await ctx.getInitiatorCredentials();
      if (!auth.isPrincipal(credentials, 'user')) {
        throw new NotAllowedError(
          `${API_ACCESS_REQUEST_ACTION_ID} requests access as the user who runs the template, and this task was not started by a user`,
        );
      }
      const userRef = credentials.principal.userEntityRef;
      const token = async () =>
        (
          await auth.getPluginRequestToken({
            onBehalfOf:
              credentials as BackstageCredentials<BackstageUserPrincipal>,
            targetPluginId: 'api-access',
          })
        ).token;

      if (ctx.isDryRun) {
        // POST /plans reads the catalog and the policy and writes nothing,
        // and refuses a consumer the user may not request for, as a real
        // submission would.
        const response = await client.previewPlan(
          {
            body: {
              apiRef: draft.apiRef,
              consumerRef: draft.consumerRef,
              environment: draft.environment,
              scopes: draft.scopes,
              durationDays: draft.durationDays,
            },
          },
          { token: await token(), signal: ctx.signal },
        );
        const plan = (await expectOk(response, draft, 'preview')) as ReviewPlan;
        ctx.logger.info(
          `Dry run: ${userRef} could request ${draft.environment} access to ${
            draft.apiRef
          } for ${draft.consumerRef}; review: ${summarize(
            plan,
          )}. No request was created.`,
        );
        ctx.output('status', 'dry-run');
        ctx.output('plan', planOutput(plan));
        ctx.output('reviewSummary', summarize(plan));
        return;
      }

      // A checkpoint, so that a task resumed after a backend restart does not
      // submit the same request twice.
      const created = await ctx.checkpoint({
        key: `api-access-request-${ctx.step?.id ?? 'step'}`,
        fn: async () => {
          const response = await client.createRequest(
            { body: draft },
            { token: await token(), signal: ctx.signal },
          );
          const request = (await expectOk(
            response,
            draft,
            'create',
          )) as AccessRequest;
          const plan = planFromRequest(request);
          return {
            id: request.id,
            status: request.status,
            requesterRef: request.requesterRef,
            ...(request.grantId ? { grantId: request.grantId } : {}),
            plan,
          };
        },
      });

      const link = requestPagePath(created.id);
      ctx.logger.info(
        `Requested ${draft.environment} access to ${draft.apiRef} for ${draft.consumerRef} as ${userRef}: request ${created.id} is ${created.status} (${link})`,
      );
      ctx.output('requestId', created.id);
      ctx.output('status', created.status);
      ctx.output('link', link);
      ctx.output('requesterRef', created.requesterRef);
      if (created.grantId) ctx.output('grantId', created.grantId);
      ctx.output('plan', created.plan);
      ctx.output('reviewSummary', summarize(created.plan));
    },
  });
}

/** The same validation the api-access backend runs, with the same messages, before any call. */
function validate(input: Record<string, unknown>): CreateAccessRequestParsed {
  const parsed = createAccessRequestSchema.safeParse({
    ...input,
    scopes: input.scopes ?? [],
  });
  if (!parsed.success) {
    throw new InputError(
      `Invalid input for ${API_ACCESS_REQUEST_ACTION_ID}: ${describeZodError(
        parsed.error,
      )}`,
    );
  }
  return parsed.data;
}

type PlanOutput = {
  autoApproved: boolean;
  autoApproveRule?: string;
  stages: {
    name: string;
    steps: {
      name: string;
      reviewerRef: string;
      quorum: number;
      reason: string;
      rules: string[];
    }[];
  }[];
};

/** Only the plan's documented fields, so the output matches its schema. */
function planOutput(plan: ReviewPlan): PlanOutput {
  return {
    autoApproved: plan.autoApproved,
    ...(plan.autoApproveRule ? { autoApproveRule: plan.autoApproveRule } : {}),
    stages: plan.stages.map(stage => ({
      name: stage.name,
      steps: stage.steps.map(step => ({
        name: step.name,
        reviewerRef: step.reviewerRef,
        quorum: step.quorum,
        reason: step.reason,
        rules: step.rules ?? [],
      })),
    })),
  };
}

/** The plan a created request was given, from its review steps (one round). */
function planFromRequest(request: AccessRequest): PlanOutput {
  const stages: PlanOutput['stages'] = [];
  for (const step of (request.steps ?? []).filter(
    s => s.round === request.reviewRound,
  )) {
    let stage = stages[step.stageIndex];
    if (!stage) {
      stage = { name: step.stageName, steps: [] };
      stages[step.stageIndex] = stage;
    }
    stage.steps.push({
      name: step.name,
      reviewerRef: step.reviewerRef,
      quorum: step.quorum,
      reason: step.reason,
      rules: step.rules ?? [],
    });
  }
  return {
    autoApproved: Boolean(request.autoApproveRule),
    ...(request.autoApproveRule
      ? { autoApproveRule: request.autoApproveRule }
      : {}),
    stages: stages.filter(Boolean),
  };
}

/** "owner (group:default/team-c), then security (group:default/security)". */
export function summarize(plan: PlanOutput): string {
  if (plan.autoApproved) {
    return `none: approved by policy${
      plan.autoApproveRule ? ` (rule ${plan.autoApproveRule})` : ''
    }`;
  }
  if (plan.stages.length === 0) return 'none';
  return plan.stages
    .map(stage =>
      stage.steps
        .map(step => `${step.name} (${step.reviewerRef})`)
        .join(' and '),
    )
    .join(', then ');
}

/**
 * A non-2xx answer becomes an error that says what api-access refused and
 * why, in the words of the backend (which never puts a secret in a message).
 */
async function expectOk(
  response: Response | { ok: boolean; status: number; json(): Promise<any> },
  draft: CreateAccessRequestParsed,
  what: 'create' | 'preview',
): Promise<unknown> {
  if (response.ok) return response.json();
  let body: any;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const message: string =
    body?.error?.message ?? `answered HTTP ${response.status}`;
  const findings: { field?: string; message: string }[] = Array.isArray(
    body?.findings,
  )
    ? body.findings
    : [];
  const subject = `${draft.environment} access to ${draft.apiRef} for ${draft.consumerRef}`;
  const verb =
    what === 'create' ? 'refused the request for' : 'refused to preview';
  const details =
    findings.length > 0 && !message.includes(findings[0].message)
      ? ` Findings: ${findings
          .map(f => (f.field ? `${f.field}: ${f.message}` : f.message))
          .join('; ')}`
      : '';
  switch (response.status) {
    case 400:
      return fail(
        new InputError(`api-access ${verb} ${subject}: ${message}${details}`),
      );
    case 401:
    case 403:
      return fail(
        new NotAllowedError(`api-access ${verb} ${subject}: ${message}`),
      );
    case 404:
      return fail(
        new NotFoundError(`api-access ${verb} ${subject}: ${message}`),
      );
    case 503:
      return fail(
        new ServiceUnavailableError(
          `api-access ${verb} ${subject}: ${message}`,
        ),
      );
    default:
      return fail(
        new Error(
          `api-access ${verb} ${subject}: HTTP ${response.status}: ${message}`,
        ),
      );
  }
}

function fail(error: Error): never {
  throw error;
}
