/**
 * The web app's HTTP server: Express in front of Remix and /api/trpc.
 *
 *   node --import tsx server.ts                      development (Vite middleware, hot reload)
 *   NODE_ENV=production node --import tsx server.ts  production (serves build/ from `pnpm build`)
 *
 * Order of the middleware is the security model: resolve the request (client IP, scheme, nonce,
 * request id) -> refuse host names that are not ours -> log -> security headers on everything ->
 * refuse methods and URLs no route takes -> health -> static files -> CSRF check (against our
 * origins) -> size-limited body (a form, for pages) -> Remix (pages, actions, /api/trpc, /api/v1).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AppLoadContext, ServerBuild } from '@remix-run/node';
import type { Logger } from 'pino';
import {
  appRouter,
  createCaller,
  createContextFactory,
  createRestHandler,
  REST_BODY_LIMIT_BYTES,
  lazyRequestLogger,
  upgradeRecoveryCodes,
} from '@mfiq/api/server';
import { createAuth, createSecretBox, generateAppKey } from '@mfiq/auth';
import { exportZip, FsStorage, loadBackupSettings } from '@mfiq/backup';
import { createSignInThrottle } from '@mfiq/api/throttle';
import { createDb, createStorePool, withTenant, type Database } from '@mfiq/db';
import { collectEvidence, evidenceZip, readTestReport } from '@mfiq/evidence';
import { ConfigError, loadConfig, type Config } from './app/config.server.ts';
import './app/load-context.ts';
import { healthz, readyz } from './server/health.ts';
import { createLogger, requestLogger } from './server/logging.ts';
import { redactUrl } from './server/secret-urls.ts';
import { remixHandler } from './server/remix.ts';
import { apiRoutes, isApiPath } from './server/api-routes.ts';
import { asyncRoute } from './server/async-route.ts';
import { info, requestInfo } from './server/request-info.ts';
import { csrfCheck, securityHeaders } from './server/security.ts';
import { createHostPolicy } from './server/hosts.ts';
import { mailboxAccess } from './server/mailbox.ts';
import { pageBodies, requestShape } from './server/request-shape.ts';
import { createFormGuard } from './server/abuse/guard.ts';
import { formForPath, PUBLIC_FORMS } from './server/abuse/forms.ts';
import { CAPTCHA_PROVIDERS } from './server/abuse/captcha.ts';
import { createMetrics } from './server/metrics.ts';
import { loadSubprocessors } from './server/subprocessors.ts';
import { reportError, startTelemetry } from './server/telemetry.ts';
import { isStreamed, streamedUploads } from './server/uploads.ts';
import { securityTxtRoute } from './server/security-txt.ts';

const WEB_DIR = path.dirname(fileURLToPath(import.meta.url));
export const BODY_LIMIT_BYTES = 100 * 1024;
/** Push batches (up to 1,000 points) get the API's 1 MB; every other body keeps the small limit. */
export const PUSH_BODY_LIMIT_BYTES = REST_BODY_LIMIT_BYTES;
const PUSH_PATH = /^\/api\/(?:v1\/points$|trpc\/api\.push(?:$|,))/;
const bodyLimit = (path: string) => (PUSH_PATH.test(path) ? PUSH_BODY_LIMIT_BYTES : BODY_LIMIT_BYTES);

export interface WebServer {
  app: express.Express;
  server: http.Server | https.Server;
  db: Database;
  logger: Logger;
  close(): Promise<void>;
  /** Called once the server listens, when no PUBLIC_URL is configured. */
  setPublicUrl(url: string): void;
}

export interface StartedServer extends WebServer {
  url: string;
  port: number;
}

interface ViteDevServer {
  middlewares: express.RequestHandler;
  ssrLoadModule(url: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Builds the server (not listening yet). Development uses Vite's middleware; production serves build/. */
export async function createServer(config: Config, opts: { logger?: Logger } = {}): Promise<WebServer> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const production = config.bundle;
  // Read and validated before anything listens: a broken subprocessors file stops start-up.
  const subprocessors = await loadSubprocessors(config.subprocessorsFile);
  const telemetry = await startTelemetry({ otel: config.otel, sentryDsn: config.sentryDsn, logger });
  const db = createDb(config.appDatabaseUrl, { ...config.pool, applicationName: 'mfiq-web' });
  const metrics = createMetrics(db, logger);
  const forms = createFormGuard({ config, db, logger, onRefused: metrics.formRefused });
  // Secure cookies (and the __Host- prefix) whenever browsers reach us over HTTPS: directly, or
  // through the trusted proxy, which is expected to terminate TLS.
  const secureCookies = config.tls !== null || config.trustProxy !== null;
  const auth = createAuth({
    db,
    secure: secureCookies,
    idleTimeoutMs: config.sessionIdleMinutes * 60_000,
    absoluteLifetimeMs: config.sessionAbsoluteHours * 3_600_000,
  });
  let appKey = config.appEncryptionKey;
  if (!appKey) {
    appKey = generateAppKey();
    logger.warn(
      'APP_ENCRYPTION_KEY is not set: generated a temporary key for this process. Two-factor set up now stops working after a restart (production refuses to start without it).',
    );
  }
  // rate-limiter-flexible's PostgreSQL store takes a node-postgres pool of its own.
  const throttlePool = createStorePool(config.appDatabaseUrl, {
    max: 4,
    applicationName: 'mfiq-web-throttle',
    viaPgbouncer: config.pool.viaPgbouncer === true,
  });
  const secretBox = createSecretBox(appKey);
  // Recovery codes from before they were keyed (migration 0025) are converted in the background;
  // until then they are still accepted in their old form.
  upgradeRecoveryCodes(db, secretBox).then(
    (converted) => converted && logger.info({ converted }, 'recovery codes converted to keyed hashes'),
    (error: unknown) => logger.warn({ err: error }, 'converting recovery codes failed; the next start retries'),
  );
  // Links in mail: the configured public URL, or this server's own address once it listens.
  let publicUrl = config.publicUrl ?? `http://localhost:${config.port}`;
  const createContext = createContextFactory({
    db,
    auth,
    logger,
    secretBox,
    throttle: createSignInThrottle(throttlePool),
    publicUrl: () => publicUrl,
    importMaxBytes: config.importMaxBytes,
    webhookPolicy: config.webhookPolicy,
    importQuotas: config.importQuotas,
    observeProcedure: metrics.observeProcedure,
    lifecycle: {
      deletionGraceDays: config.lifecycle.deletionGraceDays,
      backupRetention: {
        defaults: { daily: config.backupEnv.BACKUP_KEEP_DAILY, weekly: config.backupEnv.BACKUP_KEEP_WEEKLY },
        max: { daily: config.backupEnv.BACKUP_KEEP_DAILY_MAX, weekly: config.backupEnv.BACKUP_KEEP_WEEKLY_MAX },
      },
    },
    contacts: { security: config.lifecycle.securityContact, support: config.lifecycle.supportContact },
  });
  const rest = createRestHandler({ createContext, logger });
  const backupSettings = loadBackupSettings(config.backupEnv, (message) => logger.warn({ devOnly: true }, message));
  const backupStorage = new FsStorage(backupSettings.dir);
  const evidence = {
    async zip(tenantId: string, generatedBy: string) {
      const generatedAt = new Date();
      const { report, why } = await readTestReport(config.lifecycle.testReportFile);
      const pack = await withTenant(db, { tenantId }, (trx) =>
        collectEvidence(trx, { tenantId, generatedAt, generatedBy, report, reportMissing: why }),
      );
      return evidenceZip(pack, generatedAt);
    },
  };
  const backups = {
    exportZip: (ref: { tenantId: string; backupId: string }) =>
      exportZip(backupStorage, { keyring: backupSettings.keyring, db }, ref),
  };

  const vite: ViteDevServer | null = production
    ? null
    : await import('vite').then((v) =>
        v.createServer({
          root: WEB_DIR,
          configFile: path.join(WEB_DIR, 'vite.config.ts'),
          server: { middlewareMode: true },
          appType: 'custom',
        }),
      );
  const build: ServerBuild | (() => Promise<ServerBuild>) = vite
    ? () => vite.ssrLoadModule('virtual:remix/server-build') as Promise<unknown> as Promise<ServerBuild>
    : ((await import(pathToFileURL(path.join(WEB_DIR, 'build/server/index.js')).href)) as ServerBuild);

  const hosts = createHostPolicy({
    publicUrl: config.publicUrl,
    onRefused: (req, host, status) =>
      logger.warn(
        { reqId: req.headers['x-request-id'], host, status, ip: req.socket.remoteAddress },
        'request for a host name that is not ours refused',
      ),
  });
  const mailbox = mailboxAccess({ ...config.mailbox, bindHost: config.host, trustProxy: config.trustProxy });
  if (config.mailbox.enabled && !mailbox.possible)
    logger.warn(
      { host: config.host, trustProxy: config.trustProxy },
      'the dev mailbox stays off: it is served only when the server listens on loopback with no proxy in front',
    );

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false); // forwarded headers are interpreted in requestInfo, from TRUST_PROXY only

  app.use(requestInfo({ trustProxy: config.trustProxy, tls: config.tls !== null }));
  app.use(hosts.check);
  app.use(telemetry.requestSpans());
  app.use(requestLogger(logger));
  app.use(
    securityHeaders({
      dev: !production,
      frameSrc: config.captcha ? CAPTCHA_PROVIDERS[config.captcha.provider].frameSrc : [],
    }),
  );

  app.use(requestShape());

  app.get('/healthz', healthz);
  app.get('/readyz', asyncRoute(readyz(db, logger)));
  app.get('/metrics', asyncRoute(metrics.handler(config.metricsToken)));
  app.get(
    '/.well-known/security.txt',
    securityTxtRoute({
      contact: config.lifecycle.securityContact,
      expires: config.lifecycle.securityTxtExpires,
      origin: () => publicUrl.replace(/\/+$/, ''),
    }),
  );

  if (vite) {
    app.use(vite.middlewares);
  } else {
    app.use(
      '/assets',
      express.static(path.join(WEB_DIR, 'build/client/assets'), {
        immutable: true,
        maxAge: '1y',
        index: false,
        fallthrough: true,
      }),
    );
    // The APIs are never files: asking the file system for each API call (a stat that fails) was a
    // measurable share of one (ADR 0141).
    const files = express.static(path.join(WEB_DIR, 'build/client'), { maxAge: '1h', index: false });
    app.use((req, res, next) => (isApiPath(req.path) ? next() : files(req, res, next)));
  }

  app.use(
    csrfCheck(hosts.allowsOrigin, (req, reason) => {
      logger.warn(
        {
          reqId: req.headers['x-request-id'],
          method: req.method,
          url: redactUrl(req.originalUrl.slice(0, 2048)),
          reason,
        },
        'cross-origin request refused',
      );
    }),
  );
  // Public forms get a tighter body limit than the rest (their fields are short).
  app.use((req, res, next) => {
    const form = req.method === 'POST' ? formForPath(req.path) : null;
    if (!form) return next();
    return express.raw({ type: () => true, limit: PUBLIC_FORMS[form].bodyLimitBytes })(req, res, next);
  });
  app.use(streamedUploads(config.importMaxBytes));
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    if (isStreamed(res)) return next();
    // Any content type: Remix parses forms and tRPC parses JSON from this buffer.
    return express.raw({ type: () => true, limit: bodyLimit(req.path) })(req, res, next);
  });
  app.use(pageBodies());
  app.use(asyncRoute(apiRoutes({ router: appRouter, createContext, rest, logger })));

  app.all(
    '*',
    asyncRoute(
      remixHandler({
        build,
        mode: production ? 'production' : 'development',
        cachePublicPages: production,
        getLoadContext: (req, res): AppLoadContext => {
          const { nonce, requestId, clientIp, secure } = info(res);
          return {
            request: { nonce, requestId, clientIp, secure },
            api: { createContext, createCaller },
            mailbox: mailbox.forRequest(req, res),
            backups,
            logger: lazyRequestLogger(logger, requestId),
            forms,
            publicInfo: { subprocessors, securityContact: config.lifecycle.securityContact },
            evidence,
            publicOrigin: config.publicUrl,
            reportError,
          };
        },
      }),
    ),
  );

  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = error as { status?: unknown; statusCode?: unknown; type?: unknown; limit?: unknown };
    const raw = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : 500;
    const status = raw >= 400 && raw < 500 ? raw : 500;
    if (status === 500) {
      logger.error({ err: error, reqId: info(res).requestId }, 'unhandled request error');
      reportError(error, { requestId: info(res).requestId });
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const message =
      status === 413
        ? `Request body too large (limit ${(typeof e.limit === 'number' ? e.limit : bodyLimit(req.path)) / 1024} kB).`
        : status === 500
          ? `Something went wrong. Reference: ${info(res).requestId}`
          : 'Bad request.';
    res.setHeader('Cache-Control', 'no-store');
    if (status === 413) res.setHeader('Connection', 'close');
    if (req.path.startsWith('/api/')) res.status(status).json({ error: { message } });
    else res.status(status).type('text/plain').send(message);
  });

  const server = config.tls
    ? https.createServer({ cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) }, app)
    : http.createServer(app);
  // Slow-loris limits: a client gets this long to send its headers and body.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;

  let closed = false;
  return {
    setPublicUrl(url: string) {
      if (!config.publicUrl) publicUrl = url;
    },
    app,
    server,
    db,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await vite?.close();
      await forms.close();
      await throttlePool.end();
      await db.destroy();
      await telemetry.shutdown();
    },
  };
}

/** Creates the server and listens on config.host:config.port (port 0 picks a free port). */
export async function startServer(config: Config, opts: { logger?: Logger } = {}): Promise<StartedServer> {
  const web = await createServer(config, opts);
  await new Promise<void>((resolve, reject) => {
    web.server.once('error', reject);
    web.server.listen(config.port, config.host, () => {
      web.server.off('error', reject);
      resolve();
    });
  });
  const port = (web.server.address() as AddressInfo).port;
  // A wildcard bind is reached here by loopback: 0.0.0.0 is no name a browser may use (hosts.ts).
  const reachable = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  const url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
  web.setPublicUrl(url);
  web.logger.info({ url, mode: config.mode, tls: Boolean(config.tls), trustProxy: config.trustProxy }, 'listening');
  return { ...web, url, port };
}

async function main() {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`web: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const web = await startServer(config);
  const stop = (signal: string) => {
    web.logger.info({ signal }, 'shutting down');
    web.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `web: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
