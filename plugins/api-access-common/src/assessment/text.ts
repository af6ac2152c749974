/*
 * Small, predictable text heuristics for the built-in assessors. They read
 * English prose; each one is tested positive and negative.
 */

/** Words as lowercase tokens ("Don't" -> "don't"). */
export function words(text: string | undefined): string[] {
  return (text ?? '')
    .toLocaleLowerCase('en-US')
    .split(/[^a-z0-9'-]+/)
    .filter(word => word.length > 0);
}

export function mentions(text: string | undefined, pattern: RegExp): boolean {
  return pattern.test((text ?? '').toLocaleLowerCase('en-US'));
}

/** Verbs of a use case that only reads. */
export const READ_ONLY_USE =
  /\b(read|reads|reading|view|views|viewing|display|displays|displaying|show|shows|showing|list|lists|listing|look ?up|looks up|looking up|fetch|fetches|fetching|get|gets|query|queries|querying|search|searches|searching|report|reports|reporting|dashboards?|monitor|monitors|monitoring|analytics|analy[sz]e|audit|auditing|export|exports|exporting|read-only|readonly)\b/;

/** Verbs of a use case that changes data. */
export const WRITE_USE =
  /\b(write|writes|writing|create|creates|creating|update|updates|updating|delete|deletes|deleting|remove|removes|removing|modify|modifies|modifying|edit|edits|editing|post|posts|posting|put|patch|insert|inserts|upload|uploads|uploading|submit|submits|submitting|sync|syncs|syncing|synchroni[sz]e|import|imports|importing|manage|manages|managing|cancel|cancels|cancelling|change|changes|changing|set|sets|register|registers|provision|provisions|publish|publishes|send|sends|sending|book|books|booking|order|orders|ordering|pay|pays|refund|refunds|store|stores|storing|save|saves|saving|add|adds|adding|approve|approves|trigger|triggers|toggle|toggles|switch|switches|control|controls|turn on|turn off|dim|dims)\b/;

/** Verbs of a use case that administers. */
export const ADMIN_USE =
  /\b(admin|admins|administer|administers|administering|administration|administrative|manage users|user management|configure|configures|configuring|configuration|permissions?|roles?|tenant|tenants|owner operations|break-glass|superuser)\b/;

/** A use case or justification that is about trying something out. */
export const TESTING_USE =
  /\b(test|tests|testing|tested|try|trying|try out|trial|prototype|prototyping|poc|proof of concept|experiment|experimenting|experimental|spike|evaluate|evaluating|evaluation|demo|sandbox|playground|smoke test|load test|qa)\b/;

export const SCOPE_WRITE =
  /(^|[:._/-])(write|create|update|delete|modify|edit|manage|post|put|patch|rw|readwrite|read-write|full)($|[:._/-])/i;
export const SCOPE_ADMIN =
  /(^|[:._/-])(admin|administrator|superuser|root|owner|all|\*)($|[:._/-])|^\*$/i;
export const SCOPE_READ =
  /(^|[:._/-])(read|ro|readonly|read-only|view|get|list)($|[:._/-])/i;

export function isAdminScope(scope: string): boolean {
  return SCOPE_ADMIN.test(scope);
}

/** Write or admin: more than reading. */
export function isWriteScope(scope: string): boolean {
  return SCOPE_WRITE.test(scope) || SCOPE_ADMIN.test(scope);
}

export function isReadScope(scope: string): boolean {
  return SCOPE_READ.test(scope) && !isWriteScope(scope);
}

/** "production", "prod", "prod-eu": production-like environment names. */
export function isProductionLike(environment: string | undefined): boolean {
  return /(^|[^a-z])prod(uction)?([^a-z]|$)/i.test(environment ?? '');
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fourteen: 14,
  thirty: 30,
  few: 3,
  couple: 2,
};

const UNIT_DAYS: Record<string, number> = {
  day: 1,
  week: 7,
  sprint: 14,
  month: 31,
  quarter: 92,
};

/**
 * How long the text says the access is needed, in days, when it says so:
 * "for two weeks", "over the next 3 days", "this sprint", "a one-off
 * migration", "a short pilot". The shortest period named wins; undefined
 * when the text names none.
 */
export function neededDays(text: string | undefined): number | undefined {
  const t = (text ?? '').toLocaleLowerCase('en-US');
  const candidates: number[] = [];
  for (const explicit of t.matchAll(
    /\b(?:for|during|over|within|in|next|about|around|only|just)\s+(?:the\s+)?(?:next\s+)?(?:a\s+)?(\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|thirty|few|couple)\s+(?:of\s+)?(day|week|sprint|month|quarter)s?\b/g,
  )) {
    const n = /^\d+$/.test(explicit[1])
      ? Number(explicit[1])
      : NUMBER_WORDS[explicit[1]];
    if (n > 0) candidates.push(n * UNIT_DAYS[explicit[2]]);
  }
  for (const unit of t.matchAll(
    /\b(?:this|one|a single)\s+(week|sprint|month|quarter)\b/g,
  )) {
    candidates.push(UNIT_DAYS[unit[1]]);
  }
  if (
    /\b(one-off|one off|one-time|one time|single run|run once|just once)\b/.test(
      t,
    )
  ) {
    candidates.push(7);
  }
  if (
    /\b(temporary|temporarily|short-term|short term|pilot|proof of concept|poc|spike|trial|hackathon)\b/.test(
      t,
    )
  ) {
    candidates.push(30);
  }
  return candidates.length > 0 ? Math.min(...candidates) : undefined;
}
