import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiBearerAuth, ApiCreatedResponse, ApiExcludeController, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CurrentPrincipal, Public, Roles, type Principal } from '../auth/principal';
import type { AppConfig } from '../common/config/app-config';
import { CreatePortalLinkDto, PortalLinkView } from './dto/portal-link.dto';
import { LOCALES, type Locale } from './format';
import { PortalError, PortalErrorCode } from './portal.errors';
import { PortalAuthService } from './portal-auth.service';
import {
  clearSessionCookie,
  cookiesOf,
  PortalExceptionFilter,
  PortalRequest,
  PortalSessionGuard,
  render,
  safeBack,
  SESSION_COOKIE,
  setLangCookie,
  setSessionCookie,
} from './portal-web';

/** `POST /v1/portal-links`: the API side of portal sign-in (vendor admin, Idempotency-Key like every POST). */
@ApiTags('portal')
@ApiBearerAuth()
@Controller('v1/portal-links')
export class PortalLinksController {
  constructor(
    private readonly auth: PortalAuthService,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Post()
  @Roles('vendor_admin')
  @ApiOperation({ summary: 'Issues a single-use portal sign-in link for a customer or an auditor (valid 15 minutes)' })
  @ApiCreatedResponse({ type: PortalLinkView })
  create(@CurrentPrincipal() p: Principal, @Body() dto: CreatePortalLinkDto, @Req() req: Request): Promise<PortalLinkView> {
    return this.auth.issueLink(p, dto, baseUrlOf(req, this.config));
  }
}

export function baseUrlOf(req: Request, config: ConfigService<AppConfig, true>): string {
  return config.get('PUBLIC_BASE_URL', { infer: true }) ?? `${req.protocol}://${req.get('host')}`;
}

const SIGN_IN_COOKIE = 'ol_portal_signin';

const ASSET_TYPES: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
const ASSETS = new Map(
  ['portal.css', 'portal.js'].map((name) => [name, readFileSync(join(__dirname, 'assets', name))] as const),
);

/** Signing in and out, the language switch and the static assets: the pages anyone may reach. */
@ApiExcludeController()
@Public()
@Controller('portal')
@UseFilters(PortalExceptionFilter)
export class PortalAuthController {
  constructor(private readonly auth: PortalAuthService) {}

  @Get()
  async home(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const session = await this.auth.resolve(cookiesOf(req)[SESSION_COOKIE]);
    if (session) return res.redirect(303, homeOf(session.principal.role));
    render(req, res, 'home.njk');
  }

  /** Consumes a single-use link, opens a session and drops the token from the address bar. */
  @Get('sign-in')
  async signIn(@Query('token') token: unknown, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const secret = await this.auth.signInWithLink(typeof token === 'string' ? token : '');
    setSessionCookie(req, res, secret);
    const session = await this.auth.resolve(secret);
    res.setHeader('Referrer-Policy', 'no-referrer').redirect(303, homeOf(session!.principal.role));
  }

  @Get('console/sign-in')
  consoleForm(@Req() req: PortalRequest, @Res() res: Response): void {
    // Login CSRF: the form carries a value that only this browser's cookie repeats.
    const nonce = randomBytes(18).toString('base64url');
    res.append('Set-Cookie', `${SIGN_IN_COOKIE}=${nonce}; Path=/portal/console; HttpOnly; SameSite=Strict; Max-Age=900`);
    render(req, res, 'console-sign-in.njk', { nonce });
  }

  @Post('console/sign-in')
  async consoleSignIn(@Body() body: Record<string, unknown>, @Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    const cookie = cookiesOf(req)[SIGN_IN_COOKIE];
    const given = typeof body?._signin === 'string' ? body._signin : '';
    if (!cookie || cookie.length !== given.length || !timingSafeEqual(Buffer.from(cookie), Buffer.from(given)))
      throw PortalError.create(PortalErrorCode.CSRF_TOKEN_INVALID);
    const secret = await this.auth.signInWithAdminKey(typeof body.apiKey === 'string' ? body.apiKey : '');
    setSessionCookie(req, res, secret);
    res.append('Set-Cookie', `${SIGN_IN_COOKIE}=; Path=/portal/console; HttpOnly; SameSite=Strict; Max-Age=0`);
    res.redirect(303, '/portal/console');
  }

  @Post('sign-out')
  @UseGuards(PortalSessionGuard)
  async signOut(@Req() req: PortalRequest, @Res() res: Response): Promise<void> {
    await this.auth.signOut(req.portalSecret!);
    clearSessionCookie(req, res);
    req.portal = undefined;
    render(req, res, 'signed-out.njk');
  }

  /** Switches the language and remembers it; a plain link, so it works without JavaScript. */
  @Get('lang')
  lang(@Query('to') to: unknown, @Query('back') back: unknown, @Req() req: PortalRequest, @Res() res: Response): void {
    if (typeof to === 'string' && (LOCALES as readonly string[]).includes(to)) setLangCookie(req, res, to as Locale);
    res.redirect(303, safeBack(back));
  }

  @Get('assets/:name')
  @HttpCode(200)
  asset(@Param('name') name: string, @Res() res: Response): void {
    const body = ASSETS.get(name);
    if (!body) throw PortalError.create(PortalErrorCode.NOT_FOUND);
    res.setHeader('Content-Type', ASSET_TYPES[name.slice(name.lastIndexOf('.'))]);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(body);
  }
}

export function homeOf(role: Principal['role']): string {
  return role === 'customer' ? '/portal/customer' : role === 'auditor' ? '/portal/auditor' : '/portal/console';
}
