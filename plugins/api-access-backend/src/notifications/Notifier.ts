/*
 * Tells people about requests through Backstage's notifications service.
 * Delivery is best effort and happens after the transaction commits: a
 * notifications outage never blocks or rolls back a decision.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import { NotificationService } from '@backstage/plugin-notifications-node';

export interface RequestNotification {
  title: string;
  description?: string;
  requestId: string;
  /** Where the notification leads, when not the request's page (e.g. a Group page). */
  link?: string;
}

export interface Notifier {
  /** Recipients are entity refs: users, or groups (all members). */
  notify(
    recipients: string[],
    notification: RequestNotification,
  ): Promise<void>;
}

export const noNotifier: Notifier = { notify: async () => {} };

export class BackstageNotifier implements Notifier {
  private readonly notifications: NotificationService;
  private readonly logger: LoggerService;
  private readonly requestLink: string;

  constructor(options: {
    notifications: NotificationService;
    logger: LoggerService;
    /** apiAccess.notifications.requestLink: a path with `{requestId}`. */
    requestLink: string;
  }) {
    this.notifications = options.notifications;
    this.logger = options.logger;
    this.requestLink = options.requestLink;
  }

  async notify(recipients: string[], notification: RequestNotification) {
    const entityRef = Array.from(new Set(recipients)).filter(ref =>
      ref.includes(':'),
    );
    if (entityRef.length === 0) return;
    try {
      await this.notifications.send({
        recipients: { type: 'entity', entityRef },
        payload: {
          title: notification.title,
          description: notification.description,
          link:
            notification.link ??
            this.requestLink.replace(
              '{requestId}',
              encodeURIComponent(notification.requestId),
            ),
          severity: 'normal',
          topic: `api-access:${notification.requestId}`,
        },
      });
    } catch (error) {
      this.logger.warn(
        `Could not send notification '${notification.title}': ${error}`,
      );
    }
  }
}
