/*
 * A route's own JSON body parser with a 413 that names its limit. It only
 * holds for routes mounted before the main router, whose router-wide 100 KB
 * parser would otherwise read the body first (see plugin.ts).
 */
import express, { RequestHandler } from 'express';

export function jsonBody(limitBytes: number, what: string): RequestHandler {
  const parse = express.json({ limit: limitBytes });
  const kb = Math.round(limitBytes / 1024);
  return (req, res, next) => {
    parse(req, res, (error?: any) => {
      if (error?.type === 'entity.too.large') {
        const tooLarge = new Error(
          `Invalid ${what}: the body must be at most ${limitBytes} bytes (${kb} KB)`,
        );
        tooLarge.name = 'PayloadTooLargeError';
        (tooLarge as any).statusCode = 413;
        next(tooLarge);
        return;
      }
      next(error);
    });
  };
}
