import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';
import { join } from 'node:path';
import { projectRoot } from '../project-root';

const toBool = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? ['1', 'true', 'yes', 'on'].includes(value.toLowerCase()) : value;
const toInt = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

/** The process environment, validated once at start: a bad value stops the start with a clear message. */
export class AppConfig {
  @IsOptional() @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @Transform(toInt) @IsInt({ message: 'PORT must be an integer between 0 and 65535' }) @Min(0) @Max(65535)
  PORT = 3000;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'DATABASE_URL must look like postgres://user:password@host:5432/database' })
  DATABASE_URL?: string;

  /** The schema owner, for the migrations; DATABASE_URL when unset (then the service warns if it owns its tables). */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/[^\s]+$/, { message: 'MIGRATIONS_DATABASE_URL must look like postgres://user:password@host:5432/database' })
  MIGRATIONS_DATABASE_URL?: string;

  @IsString()
  DATA_DIR = './.data';

  @Transform(toInt) @IsInt() @Min(1) @Max(65535)
  EMBEDDED_PG_PORT = 54329;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `pretty` (pino-pretty, for people; the development default) or `json` lines (for collectors). */
  @IsIn(['json', 'pretty'])
  LOG_FORMAT: 'json' | 'pretty' = 'json';

  /** Level of the line logged for each successful request (4xx log at warn, 5xx at error). */
  @IsIn(['info', 'debug', 'trace', 'silent'])
  LOG_REQUEST_LEVEL = 'info';

  /** Prometheus `/metrics` listener, apart from the API port; 0 picks a free port (tests). */
  @Transform(toInt) @IsInt({ message: 'METRICS_PORT must be an integer between 0 and 65535' }) @Min(0) @Max(65535)
  METRICS_PORT = 9464;

  @IsString()
  METRICS_HOST = '127.0.0.1';

  /** When set, `/metrics` requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional() @IsString()
  METRICS_TOKEN?: string;

  @Transform(toBool) @IsBoolean()
  SEED_DEMO = false;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'BODY_LIMIT must look like 1mb' })
  BODY_LIMIT = '1mb';

  /**
   * API processes on one port (node:cluster): the first process starts the embedded PostgreSQL and
   * runs the migrations, then N workers serve; background work (billing jobs, webhook dispatch,
   * the deeming sweep, /metrics) runs in the first worker only. 1 (default): one process, no cluster.
   */
  @Transform(toInt) @IsInt({ message: 'API_PROCESSES must be an integer between 1 and 64' }) @Min(1) @Max(64)
  API_PROCESSES = 1;

  /** Requests per minute per API key; 0 disables the limit. */
  @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_PER_MINUTE = 6000;

  /** Failed authentications per minute per client address before 429 (no key lookup while over); 0 disables. */
  @Transform(toInt) @IsInt() @Min(0)
  AUTH_FAILURE_LIMIT_PER_MINUTE = 20;

  /** How long a resolved API key is kept in memory (ms): a key revoked by another process stops working within it; 0 disables. */
  @Transform(toInt) @IsInt() @Min(0) @Max(60_000)
  AUTH_CACHE_TTL_MS = 5000;

  /** Express `trust proxy`: false, true, a hop count, or proxy addresses/subnets; decides req.ip and HTTPS (HSTS). */
  @IsString() @Matches(/^(false|true|\d{1,2}|[\w.:/, -]{1,500})$/, { message: 'TRUST_PROXY must be false, true, a hop count or proxy addresses' })
  TRUST_PROXY = 'false';

  @IsOptional() @IsString()
  PUBLIC_BASE_URL?: string;

  /** How long an Idempotency-Key's answer is kept and replayed. */
  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 365)
  IDEMPOTENCY_TTL_HOURS = 24;
  /** Base64 of 32 bytes: wraps every stored secret's data key (src/secrets). Required in production, or the _FILE form. */
  @IsOptional() @Matches(/^[A-Za-z0-9+/]{43}=$/, { message: 'SECRETS_MASTER_KEY must be the base64 of 32 bytes (openssl rand -base64 32)' })
  SECRETS_MASTER_KEY?: string;

  @IsOptional() @IsString()
  SECRETS_MASTER_KEY_FILE?: string;

  /** Seconds between sweeps that deem lapsed objection windows accepted (src/outcomes/deeming-sweep.ts); 0 disables. */
  @Transform(toInt) @IsInt() @Min(0) @Max(86_400)
  OUTCOME_DEEMING_INTERVAL_SECONDS = 60;

  /** Seconds between passes that create the monthly partitions of outcomes ahead (src/outcomes/outcome-partitions.ts); 0 = on boot only. */
  @Transform(toInt) @IsInt() @Min(0) @Max(2_592_000)
  OUTCOME_PARTITIONS_INTERVAL_SECONDS = 86_400;

  /** Months after the current one whose partitions the service keeps created. */
  @Transform(toInt) @IsInt() @Min(0) @Max(35)
  OUTCOME_PARTITIONS_MONTHS_AHEAD = 3;

  /** Comma-separated hosts and CIDRs that webhook endpoints may reach although private (on-premise receivers). */
  @IsOptional() @IsString()
  WEBHOOK_ALLOWED_HOSTS?: string;
}

export class ConfigInvalidError extends Error {}

export function validateConfig(raw: Record<string, unknown>): AppConfig {
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, whitelist: false });
  if (errors.length > 0) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}).map((m) => `  - ${e.property}: ${m}`));
    throw new ConfigInvalidError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return config;
}

/** `config/<NODE_ENV>.env` supplies defaults; real environment variables take precedence. */
export function envFilePaths(): string[] {
  const env = process.env.NODE_ENV ?? 'development';
  return [join(projectRoot(), 'config', `${env}.env`)];
}
