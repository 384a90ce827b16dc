import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { createBrowserTrpcClient } from './trpc.client.ts';
import { trpc } from './trpc.ts';

/**
 * One QueryClient and tRPC client per page load. During server rendering queries do not run, so the
 * server gets a client without links (trpc.client.ts is browser-only).
 */
export function TrpcProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 30_000, retry: 1 } } }),
  );
  const [trpcClient] = useState(() =>
    typeof document === 'undefined' ? trpc.createClient({ links: [] }) : createBrowserTrpcClient(),
  );
  return (
    <trpc.Provider client={trpcClient} queryClient={queryClient}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </trpc.Provider>
  );
}
