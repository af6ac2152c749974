/*
 * HTTP for credential types: the list the request form offers, and issuing
 * (or rotating) a grant's credential, whatever its type. API keys answer as
 * they always did; a module type answers its own fields once.
 */
import { issueCredentialSchema } from '@api-access/backstage-plugin-api-access-common';
import type { GrantService } from '../grants/GrantService';
import { RouteKit, parse } from '../http/routeKit';
import type { DocumentedRouter } from '../schema/typedRouter';
import type { CredentialIssuer } from './CredentialIssuer';
import type { CredentialTypeRegistry } from './CredentialTypeRegistry';

export interface CredentialTypeRoutesOptions {
  credentialTypes: CredentialTypeRegistry;
  issuer: CredentialIssuer;
  grants: GrantService;
}

export function addCredentialTypeRoutes(
  router: DocumentedRouter,
  kit: RouteKit,
  options: CredentialTypeRoutesOptions,
) {
  const { credentialTypes, issuer, grants } = options;
  const { callerOf, audited } = kit;

  // Any signed-in user: the request form's options and why some are not.
  router.get('/credential-types', async (req, res) => {
    await callerOf(req);
    res.json(credentialTypes.list());
  });

  router.post('/grants/:id/credentials', async (req, res) => {
    const issued = await audited(req, 'credential-issue', 'high', async () => {
      const caller = await callerOf(req);
      const { acceptTerms } = parse(
        issueCredentialSchema,
        req.body,
        'credential request',
      );
      // A grant the caller may not read is a 404, as an unknown one.
      await grants.readable(req.params.id, caller);
      const { body, publicId } = await issuer.issue(
        req.params.id,
        acceptTerms,
        caller,
      );
      return {
        result: body,
        meta: {
          grantId: body.grantId,
          // Public: a key prefix, a certificate serial, a client id.
          prefix: publicId,
          rotated: !!body.previousValidUntil,
        },
      };
    });
    // The secret is in this body and nowhere else: no cache may keep it.
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
    res.status(201).json(issued);
  });
}
