/*
 * Reads grantable scopes out of an API definition when the catalog entity has
 * no api-access/scopes annotation: OpenAPI 3 `components.securitySchemes.*.flows.*.scopes`
 * and Swagger 2 `securityDefinitions.*.scopes`. Pure and browser-safe, so the
 * backend's profile and the catalog module's plan check read scopes alike.
 */
import { parse as parseYaml } from 'yaml';

function scopeNames(scopes: unknown): string[] {
  return scopes && typeof scopes === 'object' && !Array.isArray(scopes)
    ? Object.keys(scopes)
    : [];
}

/** Returns the scopes a definition declares, in declaration order, or [] when it declares none or cannot be parsed. */
export function scopesFromDefinition(definition: string | undefined): string[] {
  if (!definition) {
    return [];
  }
  let document: any;
  try {
    // A later duplicate key wins, as in JSON (and as js-yaml's json mode did).
    document = parseYaml(definition, { uniqueKeys: false });
  } catch {
    return [];
  }
  if (!document || typeof document !== 'object') {
    return [];
  }
  const found: string[] = [];
  const schemes = {
    ...(document.components?.securitySchemes ?? {}),
    ...(document.securityDefinitions ?? {}),
  };
  for (const scheme of Object.values<any>(schemes)) {
    if (!scheme || typeof scheme !== 'object') continue;
    found.push(...scopeNames(scheme.scopes));
    for (const flow of Object.values<any>(scheme.flows ?? {})) {
      found.push(...scopeNames(flow?.scopes));
    }
  }
  return Array.from(new Set(found));
}
