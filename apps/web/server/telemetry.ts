import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { redactPath } from './secret-urls.ts';

/**
 * Tracing (OpenTelemetry, OTLP over HTTP) and error reporting (Sentry protocol), each switched on
 * only by configuration. Off, neither SDK is even loaded. The reporter is kept on globalThis so the
 * Remix bundle's handleError (a separate module graph) reports through the same client.
 */
export interface Telemetry {
  tracing: boolean;
  errorReporting: boolean;
  /** Express middleware: one server span per request (a no-op when tracing is off). */
  requestSpans(): (req: Request, res: Response, next: NextFunction) => void;
  shutdown(): Promise<void>;
}

const REPORTER = Symbol.for('mfiq.errorReporter');
type Reporter = (error: unknown, context?: Record<string, unknown>) => void;

/** Reports an unexpected error when an error reporter is configured; otherwise does nothing. */
export function reportError(error: unknown, context?: Record<string, unknown>): void {
  (globalThis as { [REPORTER]?: Reporter })[REPORTER]?.(error, context);
}

export async function startTelemetry(opts: {
  otel: { endpoint: string; serviceName: string } | null;
  sentryDsn: string | null;
  logger: Logger;
}): Promise<Telemetry> {
  const stops: (() => Promise<unknown>)[] = [];
  let middleware: Telemetry['requestSpans'] = () => (_req, _res, next) => next();

  if (opts.otel) {
    const [{ NodeSDK }, { OTLPTraceExporter }, api, { resourceFromAttributes }] = await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/api'),
      import('@opentelemetry/resources'),
    ]);
    const url = `${opts.otel.endpoint.replace(/\/$/, '')}/v1/traces`;
    const sdk = new NodeSDK({
      resource: resourceFromAttributes({ 'service.name': opts.otel.serviceName }),
      traceExporter: new OTLPTraceExporter({ url }),
      instrumentations: [],
    });
    sdk.start();
    stops.push(() => sdk.shutdown());
    const tracer = api.trace.getTracer('mfiq-web');
    middleware = () => (req, res, next) => {
      const span = tracer.startSpan(`${req.method} ${req.path.startsWith('/api/trpc/') ? '/api/trpc' : 'page'}`, {
        kind: api.SpanKind.SERVER,
        attributes: { 'http.request.method': req.method, 'url.path': redactPath(req.path.slice(0, 256)) },
      });
      res.once('close', () => {
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
        span.end();
      });
      api.context.with(api.trace.setSpan(api.context.active(), span), next);
    };
    opts.logger.info({ endpoint: url }, 'tracing on (OTLP)');
  }

  if (opts.sentryDsn) {
    const Sentry = await import('@sentry/node-core');
    Sentry.init({ dsn: opts.sentryDsn, tracesSampleRate: 0, sendDefaultPii: false, defaultIntegrations: false });
    (globalThis as { [REPORTER]?: Reporter })[REPORTER] = (error, context) => {
      Sentry.captureException(error, context ? { extra: context } : undefined);
    };
    stops.push(() => Sentry.close(2_000));
    opts.logger.info('error reporting on');
  }

  return {
    tracing: opts.otel !== null,
    errorReporting: opts.sentryDsn !== null,
    requestSpans: middleware,
    async shutdown() {
      await Promise.allSettled(stops.map((stop) => stop()));
    },
  };
}
