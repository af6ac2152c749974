/*
 * HTTP routes of periodic access reviews:
 *
 *   GET  /access-reviews[?ownerRef=&status=open|all]
 *        the caller's campaigns (of one owner, or of all the caller's
 *        groups), open ones first, each with its items and their grants
 *   GET  /access-reviews/:id
 *   GET  /access-reviews/:id/history
 *   POST /access-reviews/:id/items/:grantId   { decision: keep|revoke, comment }
 *        members of the owner (or of the group it was escalated to) and
 *        admins; revoke revokes the grant at once with the comment as reason
 *   POST /access-reviews/run   { ownerRef? }
 *        start a campaign now: admins, or the owner's members when
 *        apiAccess.accessReviews.ownersMayStart is set (the demo does);
 *        an owner has at most one open manual campaign, so while one is
 *        open the call answers it with 200 instead of opening another
 */
import {
  AuditorService,
  HttpAuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  accessReviewItemDecisionSchema,
  apiAccessGrantReadPermission,
  apiAccessGrantRevokePermission,
  listAccessReviewsQuerySchema,
  startAccessReviewSchema,
  excerpt,
} from '@api-access/backstage-plugin-api-access-common';
import {
  createDocumentedRouter,
  DocumentedRouter,
} from '../schema/typedRouter';
import { AccessReviewService } from './AccessReviewService';
import { createAuditedAction, createCallerKit, parse } from '../http/routeKit';
import { jsonBody } from '../http/jsonBody';

/**
 * The body limit of the access-review POST routes: an answer is a decision
 * and a comment of at most 2000 characters, a start an ownerRef. Holds
 * because plugin.ts mounts these routes before the main router's 100 KB
 * parser.
 */
export const ACCESS_REVIEW_BODY_LIMIT_BYTES = 16 * 1024;

export interface AccessReviewRoutesOptions {
  reviews: AccessReviewService;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  permissions: PermissionsService;
  auditor: AuditorService;
}

export function createAccessReviewRoutes(
  options: AccessReviewRoutesOptions,
): DocumentedRouter {
  const { reviews, httpAuth, userInfo, permissions, auditor } = options;
  const router = createDocumentedRouter();
  const json = jsonBody(ACCESS_REVIEW_BODY_LIMIT_BYTES, 'access review');

  const { callerOf, authorize } = createCallerKit({
    httpAuth,
    userInfo,
    permissions,
  });
  const audited = createAuditedAction(auditor);

  router.get('/access-reviews', async (req, res) => {
    const caller = await callerOf(req);
    const query = parse(listAccessReviewsQuerySchema, req.query, 'query');
    await authorize(caller, apiAccessGrantReadPermission);
    res.json({ items: await reviews.list(query, caller) });
  });

  router.get('/access-reviews/:id', async (req, res) => {
    const caller = await callerOf(req);
    await authorize(caller, apiAccessGrantReadPermission);
    res.json(await reviews.get(req.params.id, caller));
  });

  router.get('/access-reviews/:id/history', async (req, res) => {
    const caller = await callerOf(req);
    await authorize(caller, apiAccessGrantReadPermission);
    res.json({ items: await reviews.history(req.params.id, caller) });
  });

  router.post('/access-reviews/:id/items/:grantId', json, async (req, res) => {
    const review = await audited(
      req,
      'access-review-answer',
      'high',
      async () => {
        const caller = await callerOf(req);
        const input = parse(accessReviewItemDecisionSchema, req.body, 'answer');
        if (input.decision === 'revoke') {
          await authorize(caller, apiAccessGrantRevokePermission);
        }
        const answered = await reviews.answer(
          req.params.id,
          req.params.grantId,
          { decision: input.decision, comment: input.comment! },
          caller,
        );
        return {
          result: answered,
          meta: {
            reviewId: answered.id,
            grantId: excerpt(req.params.grantId),
            decision: input.decision,
            reviewStatus: answered.status,
          },
        };
      },
      {
        meta: {
          reviewId: excerpt(req.params.id),
          grantId: excerpt(req.params.grantId),
        },
      },
    );
    res.status(201).json(review);
  });

  router.post('/access-reviews/run', json, async (req, res) => {
    const { items, opened } = await audited(
      req,
      'access-review-start',
      'medium',
      async () => {
        const caller = await callerOf(req);
        const { ownerRef } = parse(startAccessReviewSchema, req.body, 'body');
        const started = await reviews.startNow(ownerRef, caller);
        return {
          result: started,
          meta: {
            ownerRef,
            started: started.opened,
            alreadyOpen: started.alreadyOpen,
          },
        };
      },
      {},
    );
    // 201 when this call opened a campaign; 200 when every campaign it
    // answers was already open (an owner has one open manual campaign).
    res
      .status(opened.length > 0 || items.length === 0 ? 201 : 200)
      .json({ items });
  });

  return router;
}
