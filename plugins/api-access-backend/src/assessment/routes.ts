/*
 * HTTP route of the request assistant, for the form while the requester types:
 *
 *   POST /assessments[?modules=true]   a draft like POST /requests, any field
 *                                      but apiRef may be missing;
 *                                      answers { findings, risk }
 *
 * Nothing is stored or logged, and the answer is never cached. Built-in
 * assessors answer in milliseconds, so the form can call this on every
 * (debounced) change; `modules=true` also runs module assessors such as the
 * LLM one, which take seconds: call it less often, e.g. when the requester
 * pauses or opens the review step. On submission every assessor runs anyway.
 */
import {
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  apiAccessRequestCreatePermission,
  assessmentDraftSchema,
  describeZodError,
} from '@api-access/backstage-plugin-api-access-common';
import express, { Request } from 'express';
import {
  createDocumentedRouter,
  DocumentedRouter,
} from '../schema/typedRouter';
import { Caller } from '../requests/workflowTypes';
import { AssessmentService } from './AssessmentService';

export interface AssessmentRoutesOptions {
  assessments: AssessmentService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
}

export function createAssessmentRoutes(
  options: AssessmentRoutesOptions,
): DocumentedRouter {
  const { assessments, httpAuth, userInfo, permissions } = options;
  const router = createDocumentedRouter();

  async function callerOf(req: Request): Promise<Caller> {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const info = await userInfo.getUserInfo(credentials);
    return {
      credentials,
      userEntityRef: info.userEntityRef,
      ownershipEntityRefs: info.ownershipEntityRefs,
    };
  }

  router.post(
    '/assessments',
    express.json({ limit: '100kb' }),
    async (req, res) => {
      const caller = await callerOf(req);
      const parsed = assessmentDraftSchema.safeParse(req.body ?? {});
      if (!parsed.success) {
        throw new InputError(
          `Invalid draft: ${describeZodError(parsed.error)}`,
        );
      }
      const [decision] = await permissions.authorize(
        [{ permission: apiAccessRequestCreatePermission }],
        { credentials: caller.credentials },
      );
      if (decision.result !== AuthorizeResult.ALLOW) {
        throw new NotAllowedError(
          `Permission ${apiAccessRequestCreatePermission.name} denied`,
        );
      }
      const result = await assessments.assessDraft(parsed.data, caller, {
        modules: req.query.modules === 'true',
      });
      res.setHeader('Cache-Control', 'no-store');
      res.json(result);
    },
  );

  return router;
}
