/*
 * The active (consumer, API) pairs, fetched from the api-access backend at
 * most once per cache period however many entities the catalog processes,
 * kept for a bounded time when the backend cannot be reached.
 */
import { LoggerService } from '@backstage/backend-plugin-api';

/** A consumer holding at least one active, unexpired grant to an API. */
export interface ActiveGrantPair {
  consumerRef: string;
  apiRef: string;
}

export interface ActiveGrantPairsOptions {
  /** One call to the api-access backend: every active pair. */
  fetchPairs: () => Promise<ActiveGrantPair[]>;
  /** How long a fetched map is reused, in milliseconds. */
  cacheMs: number;
  /**
   * How long the last good map is used while fetches fail, in milliseconds,
   * counted from when it was fetched; after that no pairs are answered.
   */
  maxStaleMs: number;
  logger: LoggerService;
  /** The time; tests move it. */
  now?: () => number;
}

/** Entity refs compare case-insensitively, as the catalog compares them. */
const key = (ref: string) => ref.toLocaleLowerCase('en-US');

export class ActiveGrantPairs {
  private readonly options: ActiveGrantPairsOptions;
  private readonly now: () => number;
  /** consumer ref (lower case) -> the API refs it holds active grants to. */
  private map: Map<string, string[]> | undefined;
  private fetchedAt = 0;
  /** When the next fetch may start (after a success or a failure). */
  private nextFetchAt = 0;
  private inFlight: Promise<void> | undefined;
  private failing = false;
  /** Calls made to the backend, for tests and the debug log. */
  fetches = 0;

  constructor(options: ActiveGrantPairsOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** The API refs `consumerRef` holds an active grant to (empty when none). */
  async apisOf(consumerRef: string): Promise<string[]> {
    await this.refreshIfDue();
    const map = this.usableMap();
    return map?.get(key(consumerRef)) ?? [];
  }

  private usableMap(): Map<string, string[]> | undefined {
    if (!this.map) return undefined;
    if (!this.failing) return this.map;
    // Fetches are failing: the last good map only while it is young enough,
    // so a grant that ended meanwhile does not show for ever.
    return this.now() - this.fetchedAt <= this.options.maxStaleMs
      ? this.map
      : undefined;
  }

  /** One fetch at a time; every caller during it waits for the same one. */
  private async refreshIfDue(): Promise<void> {
    if (this.inFlight) {
      await this.inFlight;
      return;
    }
    if (this.now() < this.nextFetchAt) return;
    this.inFlight = this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    await this.inFlight;
  }

  private async fetch(): Promise<void> {
    const started = this.now();
    this.fetches += 1;
    try {
      const pairs = await this.options.fetchPairs();
      const map = new Map<string, string[]>();
      for (const { consumerRef, apiRef } of pairs) {
        const apis = map.get(key(consumerRef));
        if (apis) apis.push(apiRef);
        else map.set(key(consumerRef), [apiRef]);
      }
      this.map = map;
      this.fetchedAt = started;
      if (this.failing) {
        this.options.logger.info(
          `api-access grant relations: the api-access backend answers again (${pairs.length} active pairs)`,
        );
      }
      this.failing = false;
    } catch (error) {
      const age = this.map ? this.now() - this.fetchedAt : undefined;
      this.options.logger.warn(
        `api-access grant relations: could not fetch the active grants from the api-access backend: ${
          (error as Error)?.message ?? error
        }. ${
          age !== undefined && age <= this.options.maxStaleMs
            ? `Using the map fetched ${Math.round(age / 1000)} s ago`
            : 'Emitting no grant relations'
        } until a fetch succeeds (at most ${Math.round(
          this.options.maxStaleMs / 1000,
        )} s after the last good fetch).`,
      );
      this.failing = true;
    } finally {
      // After a failure, too, wait one period: thousands of entities must
      // not each retry a backend that is down.
      this.nextFetchAt = started + this.options.cacheMs;
    }
  }
}
