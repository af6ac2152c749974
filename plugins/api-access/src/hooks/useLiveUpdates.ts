/*
 * Live updates: the backend sends a small message on the `api-access` signals
 * channel when a request or grant changes ({ kind, id, status }), to the
 * people whose screens show it. A screen passes its reload here and reloads
 * on each message (or only on those its filter accepts). Without the signals
 * plugin in the app nothing arrives, and screens reload on their own actions
 * as before.
 */
import { useEffect, useRef } from 'react';
import { useSignal } from '@backstage/plugin-signals-react';

/** The signals channel the api-access backend publishes on. */
export const API_ACCESS_SIGNAL_CHANNEL = 'api-access';

/** What a live update says: which request or grant changed, and its status now. */
export interface ApiAccessLiveUpdate {
  [key: string]: string;
  kind: 'request' | 'grant';
  id: string;
  status: string;
}

export function useLiveUpdates(
  reload: () => void,
  accept?: (update: ApiAccessLiveUpdate) => boolean,
) {
  const { lastSignal } = useSignal<ApiAccessLiveUpdate>(
    API_ACCESS_SIGNAL_CHANNEL,
  );
  // The latest reload and filter, without making them effect dependencies:
  // only a new message reloads.
  const latest = useRef({ reload, accept });
  latest.current = { reload, accept };
  useEffect(() => {
    if (!lastSignal) return;
    const { reload: run, accept: filter } = latest.current;
    if (!filter || filter(lastSignal)) run();
  }, [lastSignal]);
}
