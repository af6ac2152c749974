import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { DemoPermissionPolicy } from './demoPermissionPolicy';

const apiAccessAdminPermission = createPermission({
  name: 'api-access.admin',
  attributes: {},
});
const apiAccessGrantReadPermission = createPermission({
  name: 'api-access.grant.read',
  attributes: { action: 'read' },
  resourceType: 'api-access-grant',
});

const user = (...groups: string[]) =>
  ({
    identity: { userEntityRef: 'user:default/x', ownershipEntityRefs: groups },
    info: { userEntityRef: 'user:default/x', ownershipEntityRefs: groups },
    token: 't',
    credentials: {} as any,
  } as any);

describe('DemoPermissionPolicy', () => {
  const policy = new DemoPermissionPolicy();

  it('grants api-access.admin to api-access-admins only', async () => {
    expect(
      await policy.handle(
        { permission: apiAccessAdminPermission },
        user('user:default/alex.admin', 'group:default/api-access-admins'),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    for (const who of [user('group:default/team-c'), undefined]) {
      expect(
        await policy.handle({ permission: apiAccessAdminPermission }, who),
      ).toEqual({ result: AuthorizeResult.DENY });
    }
  });

  it('lets only the compliance group export the audit history', async () => {
    const exportPermission = createPermission({
      name: 'api-access.audit.export',
      attributes: { action: 'read' },
    });
    expect(
      await policy.handle(
        { permission: exportPermission },
        user('user:default/carmen.diaz', 'group:default/compliance'),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
    // Admins export by being admins; everyone else is refused.
    for (const who of [
      user('group:default/api-access-admins'),
      user('group:default/team-c'),
      undefined,
    ]) {
      expect(
        await policy.handle({ permission: exportPermission }, who),
      ).toEqual({ result: AuthorizeResult.DENY });
    }
  });

  it('allows the rest, which api-access narrows to the parties itself', async () => {
    expect(
      await policy.handle(
        { permission: apiAccessGrantReadPermission, resourceRef: 'g-1' } as any,
        user('group:default/team-c'),
      ),
    ).toEqual({ result: AuthorizeResult.ALLOW });
  });
});
