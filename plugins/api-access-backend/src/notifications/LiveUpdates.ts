/*
 * Live updates through Backstage signals: after a change to a request or a
 * grant commits, the people whose screens show it (the requester, the
 * reviewer groups of its steps, a delegate, the escalation group; for a
 * grant its requester and owners) get a small message on the `api-access`
 * channel, and the plugin's inboxes, request pages and home cards reload.
 *
 * The message names what changed and nothing more ({ kind, id, status }):
 * a screen reloads through the normal, permission-checked routes. Signals are
 * best-effort: a failure is logged and never fails the change itself, and
 * without the signals plugin the screens still reload on their own actions.
 */
import { LoggerService } from '@backstage/backend-plugin-api';
import type { SignalsService } from '@backstage/plugin-signals-node';

/** The signals channel the frontend listens on. */
export const API_ACCESS_SIGNAL_CHANNEL = 'api-access';

export interface LiveUpdateMessage {
  [key: string]: string;
  kind: 'request' | 'grant';
  id: string;
  status: string;
}

export class LiveUpdates {
  constructor(
    private readonly options: {
      signals?: SignalsService;
      logger?: LoggerService;
    } = {},
  ) {}

  /** A request moved: tell its requester and every reviewer it names. */
  async requestChanged(request: {
    id: string;
    status: string;
    requesterRef: string;
    steps?: Array<{
      reviewerRef: string;
      delegateRef?: string;
      escalatedTo?: string;
    }>;
  }) {
    const refs = [request.requesterRef];
    for (const step of request.steps ?? []) {
      refs.push(step.reviewerRef);
      if (step.delegateRef) refs.push(step.delegateRef);
      if (step.escalatedTo) refs.push(step.escalatedTo);
    }
    await this.publish(refs, {
      kind: 'request',
      id: request.id,
      status: request.status,
    });
  }

  /** A grant changed (revoked, renewed, expired): tell who shows it. */
  async grantChanged(
    grant: { id: string; status: string; requesterRef: string },
    otherRefs: Array<string | undefined> = [],
  ) {
    await this.publish([grant.requesterRef, ...otherRefs], {
      kind: 'grant',
      id: grant.id,
      status: grant.status,
    });
  }

  private async publish(
    refs: Array<string | undefined>,
    message: LiveUpdateMessage,
  ) {
    const { signals, logger } = this.options;
    if (!signals) return;
    const entityRef = Array.from(new Set(refs.filter(Boolean) as string[]));
    if (entityRef.length === 0) return;
    try {
      await signals.publish<LiveUpdateMessage>({
        recipients: { type: 'user', entityRef },
        channel: API_ACCESS_SIGNAL_CHANNEL,
        message,
      });
    } catch (error) {
      logger?.warn(
        `Could not publish the api-access live update for ${message.kind} ${message.id}: ${error}`,
      );
    }
  }
}
