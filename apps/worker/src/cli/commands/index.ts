import type { Command } from '../command.ts';
import auditExport from './audit-export.ts';
import orgLock from './org-lock.ts';
import orgUnlock from './org-unlock.ts';
import securityEvents from './security-events.ts';
import sessionsRevoke from './sessions-revoke.ts';
import userDisable from './user-disable.ts';
import userEnable from './user-enable.ts';

/** Every operator command, one file each. */
export const COMMANDS: Command[] = [sessionsRevoke, userDisable, userEnable, orgLock, orgUnlock, auditExport, securityEvents];
