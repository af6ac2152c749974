/*
 * A root logger and an auditor that remember everything they are given, so
 * tests can prove what is never logged or audited (e.g. a pasted secret).
 */
import {
  AuditorService,
  LoggerService,
  RootLoggerService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';

export interface Recorded {
  /** Every log line and audit record, serialised, in order. */
  lines: string[];
  warnings: string[];
}

export function createRecorders() {
  const recorded: Recorded = { lines: [], warnings: [] };
  const serialise = (value: unknown) => {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    try {
      return JSON.stringify(value);
    } catch {
      return String(value);
    }
  };
  const logger = (meta: unknown = {}): LoggerService => {
    const log =
      (level: string) =>
      (message: string, extra?: unknown): void => {
        const line = `${level} ${message} ${serialise(meta)} ${serialise(
          extra,
        )}`;
        recorded.lines.push(line);
        if (level === 'warn') recorded.warnings.push(message);
      };
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: childMeta => logger({ ...(meta as object), ...childMeta }),
    };
  };
  const rootLogger = createServiceFactory({
    service: coreServices.rootLogger,
    deps: {},
    factory: () => logger() as RootLoggerService,
  });
  const auditor = createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory: (): AuditorService => ({
      async createEvent(options) {
        // What Backstage's auditor records: the event, its meta and the
        // error of a failure; never the request body.
        recorded.lines.push(
          `audit ${options.eventId} ${serialise(options.meta)}`,
        );
        return {
          async success(result) {
            recorded.lines.push(`audit success ${serialise(result?.meta)}`);
          },
          async fail(result) {
            recorded.lines.push(
              `audit fail ${serialise(result.meta)} ${serialise(result.error)}`,
            );
          },
        };
      },
    }),
  });
  return { recorded, features: [rootLogger, auditor] };
}
