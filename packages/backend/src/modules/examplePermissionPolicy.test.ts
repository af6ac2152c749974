/*
 * The install guide's example policy: what it answers for each persona, and
 * that docs/install.md quotes this file verbatim (so the guide never shows
 * a policy that does not compile or does something else).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  apiAccessAdminPermission,
  apiAccessAuditExportPermission,
  apiAccessGrantReadPermission,
  apiAccessGrantRevokePermission,
  apiAccessRequestDecidePermission,
  apiAccessRequestReadPermission,
} from '@api-access/backstage-plugin-api-access-common';
import { ApiAccessPolicy } from './examplePermissionPolicy';

const user = (ref: string, ...groups: string[]) =>
  ({
    identity: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
    token: 't',
    credentials: {} as any,
  } as any);

describe('the install guide example policy', () => {
  const policy = new ApiAccessPolicy();
  const contractor = user('user:default/casey', 'group:default/contractors');
  const employee = user('user:default/sam', 'group:default/team-a');
  const admin = user('user:default/alex', 'group:default/api-access-admins');

  it('makes only api-access-admins administrators', async () => {
    const admin1 = { permission: apiAccessAdminPermission };
    expect((await policy.handle(admin1, admin)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    for (const who of [contractor, employee, undefined]) {
      expect((await policy.handle(admin1, who)).result).toBe(
        AuthorizeResult.DENY,
      );
    }
  });

  it('narrows contractors to their own requests and grants, and no production reviews', async () => {
    const read = await policy.handle(
      { permission: apiAccessRequestReadPermission } as any,
      contractor,
    );
    expect(read).toEqual({
      result: AuthorizeResult.CONDITIONAL,
      pluginId: 'api-access',
      resourceType: 'api-access-request',
      conditions: {
        rule: 'IS_REQUESTER',
        resourceType: 'api-access-request',
        params: {
          claims: ['user:default/casey', 'group:default/contractors'],
        },
      },
    });
    const decide = await policy.handle(
      { permission: apiAccessRequestDecidePermission } as any,
      contractor,
    );
    expect(decide).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      conditions: {
        not: {
          rule: 'HAS_ENVIRONMENT',
          params: { environments: ['production'] },
        },
      },
    });
    const grants = await policy.handle(
      { permission: apiAccessGrantReadPermission } as any,
      contractor,
    );
    expect(grants).toMatchObject({
      result: AuthorizeResult.CONDITIONAL,
      resourceType: 'api-access-grant',
      conditions: { rule: 'IS_GRANT_REQUESTER' },
    });
  });

  it('allows the rest, which api-access narrows to the parties itself', async () => {
    for (const permission of [
      apiAccessRequestReadPermission,
      apiAccessGrantReadPermission,
      apiAccessGrantRevokePermission,
    ]) {
      expect(
        (await policy.handle({ permission } as any, employee)).result,
      ).toBe(AuthorizeResult.ALLOW);
    }
  });

  it('lets only the compliance group export the audit history', async () => {
    const auditor = user('user:default/carmen', 'group:default/compliance');
    const exportAudit = { permission: apiAccessAuditExportPermission };
    expect((await policy.handle(exportAudit, auditor)).result).toBe(
      AuthorizeResult.ALLOW,
    );
    for (const who of [contractor, employee, admin, undefined]) {
      expect((await policy.handle(exportAudit, who)).result).toBe(
        AuthorizeResult.DENY,
      );
    }
  });

  it('is quoted verbatim in docs/install.md', () => {
    const source = readFileSync(
      resolve(__dirname, 'examplePermissionPolicy.ts'),
      'utf8',
    );
    const example = source
      .split('// docs:example-policy:start\n')[1]
      .split('// docs:example-policy:end')[0]
      .trim();
    const guide = readFileSync(
      resolve(__dirname, '../../../../docs/install.md'),
      'utf8',
    );
    const blocks = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map(m =>
      m[1].trim(),
    );
    expect(blocks).toContain(example);
  });
});
