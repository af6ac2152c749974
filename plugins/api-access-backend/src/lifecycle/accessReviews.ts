/*
 * Lifecycle rules of periodic access reviews (see
 * accessReviews/AccessReviewService.ts for what each step does and why it is
 * done once however often it runs):
 *
 *   access-review-campaigns  a campaign per owner for the current period
 *   access-review-reminders  reminders at each window before the due date
 *   access-review-due        at the due date revoke or escalate unanswered
 *                            items; close campaigns with nothing left open
 *
 * Wire with `lifecycle.addRule(...accessReviewRules(accessReviews))`.
 */
import { AccessReviewService } from '../accessReviews/AccessReviewService';
import { LifecycleRule } from './LifecycleService';

export function accessReviewRules(
  reviews: AccessReviewService,
): LifecycleRule[] {
  return [
    {
      name: 'access-review-campaigns',
      run: now => reviews.startScheduled(now),
    },
    {
      name: 'access-review-reminders',
      run: now => reviews.remind(now),
    },
    {
      name: 'access-review-due',
      run: now => reviews.applyDue(now),
    },
  ];
}
