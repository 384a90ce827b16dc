import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { Context, createCaller, CreateContextOptions } from '@mfiq/api/server';
import type { FormGuard } from '../server/abuse/guard.ts';
import type { Subprocessors } from '../server/subprocessors.ts';

/**
 * What the HTTP server hands every loader and action. The API (context factory, caller) is
 * built once by the server and passed in, so route modules never open their own pools and the
 * dev server's module reloads never create a second copy of the API.
 */
export interface RequestInfo {
  /** Per-request CSP nonce: every inline and entry <script> carries it. */
  nonce: string;
  requestId: string;
  /** From the socket, or from X-Forwarded-For only when the socket peer is the trusted proxy. */
  clientIp: string | null;
  /** Served over HTTPS (directly or as told by the trusted proxy). */
  secure: boolean;
}

interface ApiBindings {
  createContext: (opts: CreateContextOptions) => Promise<Context>;
  createCaller: typeof createCaller;
}

/** Decrypts a backup of the organization into a zip stream (after backups.export authorized it). */
interface BackupBindings {
  exportZip(ref: { tenantId: string; backupId: string }): Promise<Readable>;
}

interface EvidenceBindings {
  zip(tenantId: string, generatedBy: string): Promise<Readable>;
}

declare module '@remix-run/node' {
  interface AppLoadContext {
    request: RequestInfo;
    api: ApiBindings;
    backups: BackupBindings;
    logger: Logger;
    /** The anti-abuse checks of the public forms (contact, sign-up, sign-in). */
    forms: FormGuard;
    /** Public pages rendered from configuration. */
    publicInfo: { subprocessors: Subprocessors; securityContact: string };
    /** Builds an organization's security evidence pack (after evidence.export authorized it). */
    evidence: EvidenceBindings;
    /** PUBLIC_URL when configured: the origin links handed out to other people are built on. */
    publicOrigin: string | null;
    /** Sends an unexpected error to the error reporter when one is configured. */
    reportError: (error: unknown, context?: Record<string, unknown>) => void;
    /** The dev mailbox's folder, only for a request allowed to read it (server/mailbox.ts); else null. */
    mailbox: { dir: string } | null;
  }
}

export {};
