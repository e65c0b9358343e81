import type { NextFunction, Request, Response } from 'express';
import { metrics } from './metrics';

/**
 * Counts and times each answered request by its route template (`/v1/invoices/:id`), never the raw
 * URL: ids in labels would make one series per invoice. Requests matching no route share one series (Nest's catch-all `/{*path}`).
 */
export function httpMetricsMiddleware(req: Request, res: Response, next: NextFunction): void {
  const stop = metrics.httpDuration.startTimer();
  res.once('finish', () => {
    const template = (req.route as { path?: unknown } | undefined)?.path;
    const labels = {
      route: typeof template === 'string' ? req.baseUrl + template : 'unmatched',
      method: req.method,
      status: String(res.statusCode),
    };
    stop(labels);
    metrics.httpRequests.inc(labels);
  });
  next();
}
