import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * Response headers for every answer: helmet's set with frames refused outright, a CSP that still
 * lets Swagger UI at /docs run (its scripts are files; it needs inline styles and data: images),
 * HSTS only when the request reached us over TLS (`req.secure`, which honours X-Forwarded-Proto only
 * behind a trusted proxy, `TRUST_PROXY`), and `Cache-Control: no-store` on everything an API key
 * can read, so no shared or browser cache keeps invoices, statements or evidence.
 */
export function securityHeaders(): RequestHandler[] {
  const hsts = helmet.strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  return [
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          baseUri: ["'self'"],
          connectSrc: ["'self'"],
          fontSrc: ["'self'", 'data:'],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          imgSrc: ["'self'", 'data:'],
          objectSrc: ["'none'"],
          scriptSrc: ["'self'"],
          scriptSrcAttr: ["'none'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
        },
      },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: false,
    }),
    (req: Request, res: Response, next: NextFunction) => {
      if (req.headers.authorization !== undefined) res.setHeader('Cache-Control', 'no-store');
      if (req.secure) return hsts(req, res, next);
      next();
    },
  ];
}
