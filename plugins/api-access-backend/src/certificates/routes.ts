/*
 * HTTP routes of client certificates:
 *
 *   POST /grants/:id/certificates   {csr, acceptTerms}; the grant's requester
 *   GET  /certificates/ca.pem       the issuing CA (unauthenticated)
 *   GET  /certificates/crl.pem      the current CRL (unauthenticated)
 *
 * The two GET routes are public by design, like any CA's certificate and
 * CRL: the plugin adds an unauthenticated auth policy for `/certificates`.
 */
import {
  AuditorService,
  HttpAuthService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  describeZodError,
  issueCertificateSchema,
  excerpt,
} from '@api-access/backstage-plugin-api-access-common';
import express from 'express';
import {
  createDocumentedRouter,
  DocumentedRouter,
} from '../schema/typedRouter';
import { CertificateService, NOT_CONFIGURED } from './CertificateService';
import { createAuditedAction, createCallerKit } from '../http/routeKit';
import type { Caller } from '../requests/workflowTypes';

export interface CertificateRoutesOptions {
  certificates: CertificateService;
  /** Throws the 404 of an unknown grant unless the caller may read the grant. */
  readableGrant?: (grantId: string, caller: Caller) => Promise<unknown>;
  httpAuth: HttpAuthService;
  userInfo: UserInfoService;
  auditor: AuditorService;
}

const PEM = 'application/x-pem-file';

/** A CSR is a few KB; the body limit of `POST /grants/:id/certificates`. */
export const CERTIFICATE_BODY_LIMIT_BYTES = 64 * 1024;

const certificateJson = express.json({ limit: CERTIFICATE_BODY_LIMIT_BYTES });

/**
 * The JSON parser with a 413 that names the limit. It only holds because the
 * plugin mounts these routes before the main router, whose 100 KB parser
 * would otherwise read the body first (plugin.ts).
 */
function certificateBody(
  req: express.Request,
  res: express.Response,
  next: express.NextFunction,
) {
  certificateJson(req, res, (error?: any) => {
    if (error?.type === 'entity.too.large') {
      const tooLarge = new Error(
        `Invalid certificate request: the body must be at most ${CERTIFICATE_BODY_LIMIT_BYTES} bytes (64 KB)`,
      );
      tooLarge.name = 'PayloadTooLargeError';
      (tooLarge as any).statusCode = 413;
      next(tooLarge);
      return;
    }
    next(error);
  });
}

export function createCertificateRoutes(
  options: CertificateRoutesOptions,
): DocumentedRouter {
  const { certificates, httpAuth, userInfo, auditor } = options;
  const router = createDocumentedRouter();

  const { callerOf } = createCallerKit({ httpAuth, userInfo });
  const audited = createAuditedAction(auditor);

  router.post('/grants/:id/certificates', certificateBody, async (req, res) => {
    // The auditor records who asked and the outcome, never the body.
    const issued = await audited(
      req,
      'certificate-issue',
      'high',
      async () => {
        const caller = await callerOf(req);
        // A grant the caller may not read is a 404, as an unknown one.
        await options.readableGrant?.(req.params.id, caller);
        if (!certificates.configured) {
          throw new ConflictError(NOT_CONFIGURED);
        }
        const parsed = issueCertificateSchema.safeParse(req.body ?? {});
        if (!parsed.success) {
          throw new InputError(
            `Invalid certificate request: ${describeZodError(parsed.error)}`,
          );
        }
        const certificate = await certificates.issueCertificate(
          req.params.id,
          parsed.data,
          caller,
        );
        return {
          result: certificate,
          meta: {
            grantId: certificate.grantId,
            serial: certificate.serial,
            fingerprint: certificate.fingerprint,
            rotated: !!certificate.previousValidUntil,
          },
        };
      },
      { meta: { grantId: excerpt(req.params.id) } },
    );
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(issued);
  });

  router.get('/certificates/ca.pem', (_req, res) => {
    const pem = certificates.caCertificatePem();
    if (!pem) throw new NotFoundError(NOT_CONFIGURED);
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.type(PEM).send(pem);
  });

  router.get('/certificates/crl.pem', async (_req, res) => {
    const pem = await certificates.crlPem();
    if (!pem) throw new NotFoundError(NOT_CONFIGURED);
    // Revocations must reach gateways quickly: caches revalidate every time.
    res.setHeader('Cache-Control', 'no-cache');
    res.type(PEM).send(pem);
  });

  return router;
}
