/*
 * The registry's start-up checks and answers, without a backend: ids are
 * unique and never a built-in one, availability is asked each time (a
 * module that throws is "not offered", with why), and a type's provisioner
 * only ever sees its own type's grants.
 */
import type {
  ApiAccessCredentialType,
  ProvisioningTask,
} from '@api-access/backstage-plugin-api-access-node';
import { ConflictError, InputError } from '@backstage/errors';
import { CredentialTypeRegistry } from './CredentialTypeRegistry';

function moduleType(
  id: string,
  extra: Partial<ApiAccessCredentialType> = {},
): ApiAccessCredentialType {
  return {
    id,
    title: `Type ${id}`,
    description: 'A test type.',
    presentation: 'api-key',
    availability: () => ({ offered: true }),
    issue: async () => {
      throw new Error('not in these tests');
    },
    ...extra,
  };
}

describe('CredentialTypeRegistry', () => {
  it('refuses a built-in id, a duplicate, a bad id and a bearer type without verifyToken at start-up', () => {
    const make = (...moduleTypes: ApiAccessCredentialType[]) =>
      new CredentialTypeRegistry({
        certificatesConfigured: () => false,
        moduleTypes,
      });
    expect(() => make(moduleType('api-key'))).toThrow(
      "A backend module adds the credential type 'api-key', which is built into api-access; choose another id",
    );
    expect(() => make(moduleType('mtls-certificate'))).toThrow(
      'built into api-access',
    );
    expect(() =>
      make(moduleType('oauth2-client'), moduleType('oauth2-client')),
    ).toThrow(
      "Two api-access credential types have the id 'oauth2-client'; ids must be unique",
    );
    expect(() => make(moduleType('OAuth2'))).toThrow('ids must match');
    expect(() => make(moduleType('x'))).toThrow('ids must match');
    expect(() =>
      make(moduleType('tokens', { presentation: 'bearer-token' })),
    ).toThrow('presents bearer tokens but has no verifyToken()');
  });

  it('answers availability each time, names the offered types, and survives a module that throws', () => {
    let ca = false;
    let reachable = true;
    const registry = new CredentialTypeRegistry({
      certificatesConfigured: () => ca,
      moduleTypes: [
        moduleType('oauth2-client', {
          availability: () =>
            reachable
              ? { offered: true }
              : { offered: false, reason: 'discovery failed' },
        }),
        moduleType('broken', {
          availability: () => {
            throw new Error('boom');
          },
        }),
      ],
    });
    expect(registry.offeredIds()).toEqual(['api-key', 'oauth2-client']);
    expect(() => registry.assertOffered('mtls-certificate')).toThrow(
      new InputError(
        "credentialType 'mtls-certificate' is not offered here: this Backstage has no certificate authority configured (apiAccess.certificates.ca); offered: api-key, oauth2-client",
      ),
    );
    ca = true;
    reachable = false;
    expect(() => registry.assertOffered('mtls-certificate')).not.toThrow();
    expect(() => registry.assertStillOffered('oauth2-client')).toThrow(
      ConflictError,
    );
    expect(registry.list().map(t => [t.id, t.offered, t.reason])).toEqual([
      ['api-key', true, undefined],
      ['mtls-certificate', true, undefined],
      ['oauth2-client', false, 'discovery failed'],
      [
        'broken',
        false,
        'its module could not tell whether it is available (boom)',
      ],
    ]);
  });

  it("gives the queue each type's provisioner for that type's grants only, and lists bearer-token types", async () => {
    const seen: string[] = [];
    const registry = new CredentialTypeRegistry({
      certificatesConfigured: () => false,
      moduleTypes: [
        moduleType('oauth2-client', {
          presentation: 'bearer-token',
          verifyToken: async () => {
            throw new Error('not here');
          },
          provisioner: {
            id: 'oauth2-idp',
            credentialTypes: undefined,
            provision: async task => void seen.push(`provision ${task.id}`),
            revoke: async task => void seen.push(`revoke ${task.id}`),
            retire: async task => void seen.push(`retire ${task.id}`),
          },
        }),
        moduleType('plain'),
      ],
    });
    const [provisioner] = registry.provisioners();
    expect(registry.provisioners()).toHaveLength(1);
    expect(provisioner.id).toBe('oauth2-idp');
    expect(provisioner.credentialTypes).toEqual(['oauth2-client']);
    expect(provisioner.rotate).toBeUndefined();
    await provisioner.retire!({ id: 't1' } as ProvisioningTask);
    await provisioner.provision({ id: 't2' } as ProvisioningTask);
    expect(seen).toEqual(['retire t1', 'provision t2']);
    expect(registry.tokenTypes().map(t => t.id)).toEqual(['oauth2-client']);
    expect(registry.get('plain')?.title).toBe('Type plain');
    expect(registry.isBuiltIn('api-key')).toBe(true);
  });
});
