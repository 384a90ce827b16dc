import { createTRPCReact } from '@trpc/react-query';
import type { AppRouter } from '@mfiq/api';

/** Typed React hooks for the API; used on both sides (they render on the server, fetch in the browser). */
export const trpc = createTRPCReact<AppRouter>();
