import {
  ArgumentsHost,
  CanActivate,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  HttpException,
  Injectable,
  Logger,
  SetMetadata,
  StreamableFile,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';
import nunjucks from 'nunjucks';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Role } from '../auth/entities/api-key.entity';
import type { Principal } from '../auth/principal';
import { DomainException } from '../common/errors/domain-exception';
import * as fmt from './format';
import { Locale, LOCALES, localeFromAcceptLanguage } from './format';
import { translate } from './i18n';
import { PortalError, PortalErrorCode } from './portal.errors';
import { csrfTokenMatches, PORTAL_LIFETIMES, PortalAuthService, PortalSession } from './portal-auth.service';

export const SESSION_COOKIE = 'ol_portal';
export const LANG_COOKIE = 'ol_lang';

export type PortalRequest = Request & { portal?: PortalSession; principal?: Principal; portalSecret?: string };

export function cookiesOf(req: Request): Record<string, string | undefined> {
  return parseCookies(req.headers.cookie ?? '');
}

/** Secure cookies whenever the browser reached us over TLS (directly or via a TLS-terminating proxy). */
const isTls = (req: Request) => req.secure || req.headers['x-forwarded-proto'] === 'https';

export function setSessionCookie(req: Request, res: Response, secret: string): void {
  res.append(
    'Set-Cookie',
    serialize(SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'lax',
      secure: isTls(req),
      path: '/portal',
      maxAge: PORTAL_LIFETIMES.absoluteHours * 3600,
    }),
  );
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append('Set-Cookie', serialize(SESSION_COOKIE, '', { httpOnly: true, sameSite: 'lax', secure: isTls(req), path: '/portal', maxAge: 0 }));
}

export function setLangCookie(req: Request, res: Response, locale: Locale): void {
  res.append('Set-Cookie', serialize(LANG_COOKIE, locale, { sameSite: 'lax', secure: isTls(req), path: '/portal', maxAge: 365 * 86400 }));
}

/** The remembered choice, else the browser's language, else Simplified Chinese (the seed customers'). */
export function localeOf(req: Request): Locale {
  const chosen = cookiesOf(req)[LANG_COOKIE];
  if (chosen && (LOCALES as readonly string[]).includes(chosen)) return chosen as Locale;
  return localeFromAcceptLanguage(req.headers['accept-language']) ?? 'zh-CN';
}

/** Only same-site paths under /portal: never an open redirect. */
export function safeBack(v: unknown, fallback = '/portal'): string {
  return typeof v === 'string' && /^\/portal(\/[\w\-./?=&%]*)?$/.test(v) && !v.includes('//') ? v : fallback;
}

// ── rendering ───────────────────────────────────────────────────────────────────────────────────

const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(join(__dirname, 'templates'), { noCache: false }), {
  autoescape: true,
  throwOnUndefined: false,
});

export interface Nav {
  role: Role;
  section: string;
}

/** Renders a page with the helpers every template uses (`t`, money and date formats, the CSRF field). */
export function render(req: PortalRequest, res: Response, template: string, data: Record<string, unknown> = {}, status = 200): void {
  const locale = localeOf(req);
  const session = req.portal;
  const html = env.render(template, {
    ...data,
    locale,
    otherLocale: locale === 'en' ? 'zh-CN' : 'en',
    here: req.originalUrl,
    session: session ? { role: session.principal.role, label: session.label } : null,
    csrf: session?.csrfToken ?? '',
    t: (key: string, params?: Record<string, unknown>) => translate(locale, key, params),
    money: (amount: string | null, currency: string) => fmt.formatMoney(amount, currency, locale),
    num: (v: string | number | null) => fmt.formatDecimal(v, locale),
    rate: (v: string | null) => fmt.formatRate(v, locale),
    pct: (v: string | null) => fmt.formatPercent(v, locale),
    dt: (iso: string | null, tz: string) => fmt.formatDateTime(iso, tz, locale),
    date: (ymd: string | null) => fmt.formatDate(ymd, locale),
    month: (label: string) => fmt.formatMonth(label, locale),
    short: (s: string | null, n = 12) => (s && s.length > n ? `${s.slice(0, n)}…` : (s ?? '—')),
    json: (v: unknown) => JSON.stringify(v ?? null),
  });
  res
    .status(status)
    .setHeader('Content-Type', 'text/html; charset=utf-8')
    .setHeader('Cache-Control', 'no-store')
    .setHeader('Referrer-Policy', 'no-referrer')
    .send(html);
}

/** A document (PDF, CSV) from a domain service, on a route that also renders pages. */
export async function sendFile(res: Response, file: StreamableFile): Promise<void> {
  const h = file.getHeaders();
  if (h.type) res.setHeader('Content-Type', h.type);
  if (h.disposition) res.setHeader('Content-Disposition', h.disposition);
  if (h.length !== undefined) res.setHeader('Content-Length', String(h.length));
  res.setHeader('Cache-Control', 'no-store');
  await pipeline(file.getStream(), res);
}

// ── the session guard ───────────────────────────────────────────────────────────────────────────

const PORTAL_ROLES = 'ol:portal-roles';
/** The roles whose sessions may open these pages; any other session gets 404 (nothing leaks). */
export const PortalRoles = (...roles: Role[]) => SetMetadata(PORTAL_ROLES, roles);

export const PortalPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return ctx.switchToHttp().getRequest<PortalRequest>().portal!.principal;
});

const READS = new Set(['GET', 'HEAD']);

/**
 * Opens the session from its cookie and applies the page's roles. Every write must carry the
 * session's CSRF token (form field `_csrf` or header `X-CSRF-Token`); SameSite=Lax already keeps
 * cross-site POSTs from carrying the cookie, the token covers same-site and older browsers.
 */
@Injectable()
export class PortalSessionGuard implements CanActivate {
  constructor(
    private readonly auth: PortalAuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<PortalRequest>();
    const secret = cookiesOf(req)[SESSION_COOKIE];
    const session = await this.auth.resolve(secret);
    if (!session || !secret) throw PortalError.create(PortalErrorCode.SESSION_REQUIRED);
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(PORTAL_ROLES, [context.getHandler(), context.getClass()]);
    if (roles && !roles.includes(session.principal.role)) throw PortalError.create(PortalErrorCode.NOT_FOUND);
    if (!READS.has(req.method)) {
      const given = (req.body as Record<string, unknown> | undefined)?._csrf ?? req.headers['x-csrf-token'];
      if (!csrfTokenMatches(secret, given)) throw PortalError.create(PortalErrorCode.CSRF_TOKEN_INVALID);
    }
    req.portal = session;
    req.portalSecret = secret;
    req.principal = session.principal; // for the request log's vendorId/keyId
    return true;
  }
}

/** Errors on portal pages are pages: in the reader's language, with the service's own explanation. */
@Catch()
export class PortalExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Portal');

  catch(exception: unknown, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<PortalRequest>();
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      res.end();
      return;
    }
    let status = 500;
    let code = 'INTERNAL';
    let detail: string | undefined;
    let fields: Array<{ field: string; message: string }> = [];
    if (exception instanceof DomainException) {
      status = exception.status;
      code = exception.code;
      detail = exception.detail ?? exception.title;
      fields = exception.errors ?? [];
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      code = status === 404 ? 'NOT_FOUND' : 'HTTP_' + status;
    } else {
      this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    }
    // A page that does not exist for this session and one that does not exist at all look the same.
    if (status === 404) detail = undefined;
    if (code === PortalErrorCode.SESSION_REQUIRED) clearSessionCookie(req, res);
    render(req, res, 'error.njk', { status, code, detail: status >= 500 ? undefined : detail, fields }, status);
  }
}
