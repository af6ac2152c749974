/*
 * Demo only: an auth provider that signs in as any catalog User, so one
 * browser (or script) can play requester, API owner and reviewer in turn.
 *
 *   GET /api/auth/demo/refresh?userEntityRef=user:default/<name>
 *   X-Requested-With: XMLHttpRequest
 *
 * returns { backstageIdentity: { token, identity } } with the user's group
 * memberships as ownership refs, the shape the guest provider returns.
 *
 * Two locks keep it out of production: it only exists where app-config has
 * auth.providers.demo.<auth environment>.dangerouslyAllowSignInAsAnyUser: true,
 * and it refuses to start when NODE_ENV is production.
 */
import { createBackendModule } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { InputError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
  createProxyAuthenticator,
} from '@backstage/plugin-auth-node';

export const DEMO_PROVIDER_ID = 'demo';

interface DemoSignInResult {
  userEntityRef: string;
}

function userRefFromQuery(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(
      'userEntityRef query parameter is required, e.g. user:default/jdoe',
    );
  }
  let ref;
  try {
    ref = parseEntityRef(value.trim(), {
      defaultKind: 'user',
      defaultNamespace: 'default',
    });
  } catch (error) {
    throw new InputError(
      `userEntityRef '${value}' is not an entity ref: ${error}`,
    );
  }
  if (ref.kind.toLocaleLowerCase('en-US') !== 'user') {
    throw new InputError(
      `userEntityRef must name a User, got kind '${ref.kind}'`,
    );
  }
  return stringifyEntityRef(ref);
}

export const demoAuthenticator = createProxyAuthenticator<
  { enabled: boolean },
  DemoSignInResult,
  undefined
>({
  defaultProfileTransform: async () => ({ profile: {} }),
  initialize({ config }) {
    if (config.getOptionalBoolean('dangerouslyAllowSignInAsAnyUser') !== true) {
      throw new Error(
        'The demo auth provider signs in as any user; set auth.providers.demo.dangerouslyAllowSignInAsAnyUser: true to use it',
      );
    }
    if (process.env.NODE_ENV === 'production') {
      throw new Error(
        'The demo auth provider must not run with NODE_ENV=production',
      );
    }
    return { enabled: true };
  },
  async authenticate({ req }) {
    return {
      result: { userEntityRef: userRefFromQuery(req.query.userEntityRef) },
    };
  },
});

export const authModuleDemoProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'demo-provider',
  register(reg) {
    reg.registerInit({
      deps: { providers: authProvidersExtensionPoint },
      async init({ providers }) {
        providers.registerProvider({
          providerId: DEMO_PROVIDER_ID,
          factory: createProxyAuthProviderFactory({
            authenticator: demoAuthenticator,
            // An unknown user fails in findCatalogUser with a NotFoundError,
            // which the auth router answers with a 404 rather than a token.
            async profileTransform(result, ctx) {
              const { entity } = await ctx.findCatalogUser({
                entityRef: result.userEntityRef,
              });
              const profile = (entity.spec?.profile ?? {}) as {
                displayName?: string;
                email?: string;
                picture?: string;
              };
              return {
                profile: {
                  displayName: profile.displayName ?? entity.metadata.name,
                  email: profile.email,
                  picture: profile.picture,
                },
              };
            },
            async signInResolver({ result }, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: result.userEntityRef,
              });
            },
          }),
        });
      },
    });
  },
});
