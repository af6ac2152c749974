/*
 * The built-in assessors over the demo catalog: every example API (with the
 * demo overlay's labels and annotations, and the demo app-config's policy)
 * gets a realistic sample draft, and the findings are listed in
 * docs/request-assistant.md. The test fails when the doc is out of date;
 * `UPDATE_DOCS=1 yarn backstage-cli package test src/assessment/demoFindings`
 * (in packages/backend)
 * rewrites the section.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigReader } from '@backstage/config';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  API_ACCESS_ENVIRONMENTS_ANNOTATION,
  API_ACCESS_SCOPES_ANNOTATION,
  AssessmentContext,
  AssessmentDraft,
  AssessmentProfile,
  EXTERNAL_GROUP_TYPES,
  Finding,
  computeReviewPlan,
  parseListAnnotation,
  resolveClassification,
  runBuiltInAssessors,
} from '@api-access/backstage-plugin-api-access-common';
import yaml from 'js-yaml';
import {
  readApiAccessConfig,
  scopesFromDefinition,
} from '../__testUtils__/apiAccessBackendSource';

const repoRoot = resolve(__dirname, '../../../..');
const DOC = resolve(repoRoot, 'docs/request-assistant.md');
const START = '<!-- demo-findings:start -->';
const END = '<!-- demo-findings:end -->';

const policy = readApiAccessConfig(
  new ConfigReader(
    yaml.load(
      readFileSync(resolve(repoRoot, 'app-config.yaml'), 'utf8'),
    ) as any,
  ),
);

/** Every entity of the demo catalog, with the overlay merged in as the demo backend does. */
function demoEntities(): Entity[] {
  const entities: any[] = [];
  const visit = (file: string) => {
    for (const doc of yaml.loadAll(readFileSync(file, 'utf8')) as any[]) {
      if (doc?.kind === 'Location') {
        for (const target of doc.spec.targets ?? [doc.spec.target]) {
          visit(resolve(dirname(file), target));
        }
      } else if (doc) {
        entities.push({ ...doc, __file: file });
      }
    }
  };
  // The locations the demo's app-config.yaml loads.
  const appConfig = yaml.load(
    readFileSync(resolve(repoRoot, 'app-config.yaml'), 'utf8'),
  ) as any;
  for (const location of appConfig.catalog.locations) {
    visit(resolve(repoRoot, 'packages/backend', location.target));
  }
  const overlay = (
    yaml.load(
      readFileSync(resolve(repoRoot, 'catalog/demo-overlay.yaml'), 'utf8'),
    ) as any
  ).entities as Record<string, any>;
  return entities.map(entity => {
    const ref = stringifyEntityRef(entity);
    const extra = overlay[ref];
    if (!extra) return entity;
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        labels: { ...entity.metadata.labels, ...extra.labels },
        annotations: { ...entity.metadata.annotations, ...extra.annotations },
      },
      spec: { ...entity.spec, ...extra.spec },
    };
  });
}

const entities = demoEntities();
const byRef = new Map(entities.map(e => [stringifyEntityRef(e), e]));
const ref = (kind: string, value: string | undefined) =>
  value
    ? stringifyEntityRef({
        kind: value.includes(':') ? value.split(':')[0] : kind,
        namespace: 'default',
        name: value.includes(':') ? value.split(':')[1] : value,
      })
    : undefined;

/** What ApiProfileService would answer for a demo API, read from the files (remote definitions stay unread, as offline). */
function profileOf(name: string): AssessmentProfile {
  const api: any = byRef.get(`api:default/${name}`);
  const system = byRef.get(ref('system', api.spec.system) ?? '');
  const domain = system
    ? byRef.get(ref('domain', (system as any).spec.domain) ?? '')
    : undefined;
  let definition = api.spec.definition;
  if (definition && typeof definition === 'object' && definition.$text) {
    const target = String(definition.$text);
    definition = /^https?:/.test(target)
      ? undefined
      : readFileSync(resolve(dirname(api.__file), target), 'utf8');
  }
  const annotated = parseListAnnotation(
    api.metadata.annotations?.[API_ACCESS_SCOPES_ANNOTATION],
  );
  const environments = parseListAnnotation(
    api.metadata.annotations?.[API_ACCESS_ENVIRONMENTS_ANNOTATION],
  );
  return {
    apiRef: `api:default/${name}`,
    title: api.metadata.title ?? name,
    description: api.metadata.description,
    ownerRef: ref('group', api.spec.owner),
    classification: resolveClassification([api, system, domain], {
      levels: policy.classification.levels,
      defaultLevel: policy.classification.default,
    }),
    scopes:
      annotated.length > 0
        ? annotated
        : scopesFromDefinition(
            typeof definition === 'string' ? definition : undefined,
          ),
    environments: environments.length > 0 ? environments : policy.environments,
    lifecycle: api.spec.lifecycle,
    regulated: false,
  };
}

/** The requester's user ref and groups, from the demo org. */
function ownership(user: string): string[] {
  const entity: any = byRef.get(`user:default/${user}`);
  return [
    `user:default/${user}`,
    ...(entity.spec.memberOf ?? []).map((g: string) => ref('group', g)!),
  ];
}

function consumerOf(consumerRef: string, owned: string[]) {
  const entity: any = byRef.get(consumerRef);
  if (!entity) return { ref: consumerRef, found: false, owned: false };
  if (entity.kind === 'Group') {
    const external = EXTERNAL_GROUP_TYPES.includes(entity.spec.type);
    return {
      ref: consumerRef,
      found: true,
      kind: external ? ('external' as const) : undefined,
      owned: external && owned.includes(consumerRef),
    };
  }
  const owner = ref('group', entity.spec.owner)!;
  return {
    ref: consumerRef,
    found: true,
    kind: 'internal' as const,
    owned: owned.includes(owner),
    detail: `it is owned by ${owner}`,
  };
}

interface Sample {
  api: string;
  requester: string;
  draft: Omit<AssessmentDraft, 'apiRef'>;
  /** An open request for the same API, consumer and environment already exists. */
  openRequest?: boolean;
}

const STORAGE =
  'Vault kv/artist-lookup, rotated monthly by the deploy pipeline';

const SAMPLES: Sample[] = [
  {
    api: 'petstore',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/artist-lookup',
      environment: 'production',
      scopes: ['pets:read', 'pets:write', 'pets:admin'],
      durationDays: 365,
      useCase: "Show the artist's pets on the artist lookup page.",
      justification: 'need access',
      credentialStorage: 'Vault kv/artist-lookup',
    },
  },
  {
    api: 'petstore-webhook',
    requester: 'calum.leavy',
    draft: {
      consumerRef: 'component:default/petstore',
      environment: 'staging',
      scopes: [],
      durationDays: 60,
      useCase:
        'Receive pet adoption events in the petstore service to update stock.',
      justification:
        'The adoption flow launches in staging next sprint (PET-88).',
      credentialStorage: `Vault kv/petstore/webhook, rotated monthly. Current key: ${[
        'AKIA',
        'IOSFODNN7',
        'EXAMPLE',
      ].join('')}`,
    },
  },
  {
    api: 'hello-world',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/www-artist',
      environment: 'sandbox',
      scopes: [],
      durationDays: 30,
      useCase: 'Call SayHello from the greeting demo to check our gRPC client.',
      justification: 'Onboarding exercise for new team members (ONB-12).',
      credentialStorage:
        'Environment variable injected from Vault, renewed monthly',
    },
  },
  {
    api: 'hello-world-trpc',
    requester: 'calum.leavy',
    draft: {
      consumerRef: 'component:default/playback-sdk',
      environment: 'development',
      scopes: [],
      durationDays: 90,
      useCase:
        'Show a greeting from the tRPC example in the playback SDK sample app.',
      justification: 'Needed for the SDK docs refresh this quarter (SDK-301).',
      credentialStorage: 'Vault kv/playback-sdk/trpc, rotated every 90 days',
    },
    openRequest: true,
  },
  {
    api: 'spotify',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/artist-lookup',
      environment: 'development',
      scopes: [],
      durationDays: 90,
      useCase:
        'Look up track metadata for the playlist preview in the artist portal.',
      justification:
        'Marketing wants playlist previews for the May campaign (MKT-14).',
      credentialStorage: "1Password vault 'artist-portal', rotated quarterly",
    },
  },
  {
    api: 'streetlights',
    requester: 'priya.natarajan',
    draft: {
      consumerRef: 'group:default/northwind-traders',
      environment: 'production',
      scopes: ['streetlights:on', 'streetlights:off', 'streetlights:dim'],
      durationDays: 180,
      useCase: 'Read light measurements for the city energy dashboard we host.',
      justification: 'Contracted by the city for the 2027 energy report.',
      credentialStorage:
        'AWS Secrets Manager in our account, rotated every 30 days',
    },
  },
  {
    api: 'backstage-mcp-server',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/wayback-search',
      environment: 'production',
      scopes: [],
      durationDays: 120,
      useCase:
        'Try out the MCP tools with our assistant prototype for a two week spike.',
      justification: 'Exploring AI search for the wayback team (SRCH-7).',
      credentialStorage: 'Vault kv/wayback-search/mcp, rotated monthly',
    },
  },
  {
    api: 'wayback-archive',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/wayback-archive-storage',
      environment: 'staging',
      scopes: [],
      durationDays: 180,
      useCase:
        'Store snapshots of our public docs in the archive after each release.',
      justification:
        'Compliance asks us to keep every published version (LEGAL-31).',
      credentialStorage: "In the repo's CI config, replaced yearly",
    },
  },
  {
    api: 'wayback-search',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/wayback-search',
      environment: 'development',
      scopes: [],
      durationDays: 30,
      useCase: 'Search',
      justification: 'for work',
      credentialStorage: 'Vault kv/wayback-search, rotated every 90 days',
    },
  },
  {
    api: 'starwars-graphql',
    requester: 'breanna.davison',
    draft: {
      consumerRef: 'component:default/podcast-api',
      environment: 'development',
      scopes: [],
      durationDays: 30,
      useCase: 'Query film titles to name the demo podcast episodes.',
      justification: 'Podcast team asked for help with episode names (POD-5).',
      credentialStorage: STORAGE,
    },
  },
];

function finding(f: Finding): string {
  const fix = f.suggestion
    ? ` → _${f.suggestion.label}_ (\`${f.suggestion.field}: ${JSON.stringify(
        f.suggestion.value,
      )}\`)`
    : '';
  return `\`${f.id}\` (${f.severity}, ${f.field})${fix}`;
}

function demoSection(): string {
  const rows = SAMPLES.map(sample => {
    const profile = profileOf(sample.api);
    const owned = ownership(sample.requester);
    const draft: AssessmentDraft = {
      apiRef: profile.apiRef,
      ...sample.draft,
    };
    const consumer = consumerOf(draft.consumerRef!, owned);
    const context: AssessmentContext = {
      policy,
      requesterRef: `user:default/${sample.requester}`,
      ownershipRefs: owned,
      consumer,
      activeGrants: [],
      openRequests: sample.openRequest
        ? [
            {
              id: '3f1c0b52-demo',
              apiRef: draft.apiRef,
              consumerRef: draft.consumerRef!,
              environment: draft.environment!,
              status: 'in_review',
              requesterRef: `user:default/${sample.requester}`,
              scopes: [],
              createdAt: '2026-11-20T09:00:00.000Z',
            },
          ]
        : [],
    };
    const result = runBuiltInAssessors(draft, profile, context);
    let plan = '';
    try {
      const computed = computeReviewPlan(
        {
          environment: draft.environment!,
          scopes: draft.scopes,
          consumerKind: consumer.kind ?? 'internal',
          riskScore: result.risk.score,
        },
        profile,
        policy,
      );
      plan = computed.autoApproved
        ? `auto-approved (${computed.autoApproveRule})`
        : computed.stages.map(s => s.name).join(' → ');
    } catch {
      plan = 'none (no owner)';
    }
    const terms = `${sample.requester} for ${draft.consumerRef!.replace(
      /^[a-z]+:default\//,
      '',
    )}, ${draft.environment}, ${
      draft.scopes.length ? draft.scopes.join(' ') : 'no scopes'
    }, ${draft.durationDays} days${
      sample.openRequest ? ', a request already open' : ''
    }`;
    const findings = result.findings.length
      ? result.findings.map(finding).join('<br>')
      : 'none';
    return `| \`${sample.api}\` (${profile.classification.level}, ${profile.lifecycle}) | ${terms} | ${result.risk.score} | ${plan} | ${findings} |`;
  });
  return [
    START,
    '',
    '| API (classification, lifecycle) | sample draft | risk | plan | built-in findings |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    END,
  ].join('\n');
}

describe('the built-in assessors over the demo catalog', () => {
  it('has a sample draft for every API in the demo catalog', () => {
    const apis = entities
      .filter(e => e.kind === 'API')
      .map(e => e.metadata.name)
      .sort();
    expect(SAMPLES.map(s => s.api).sort()).toEqual(apis);
  });

  it('are listed in docs/request-assistant.md', () => {
    const section = demoSection();
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    expect(start).toBeGreaterThan(-1);
    const current = doc.slice(start, end + END.length);
    if (process.env.UPDATE_DOCS) {
      writeFileSync(
        DOC,
        `${doc.slice(0, start)}${section}${doc.slice(end + END.length)}`,
      );
      return;
    }
    // Prettier may align the table: compare cells, not padding.
    const cells = (text: string) =>
      text
        .split('\n')
        .map(line => line.replace(/\s*\|\s*/g, '|').replace(/-{3,}/g, '---'))
        .join('\n');
    expect(cells(current)).toEqual(cells(section));
  });
});
