import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  useLocation,
  useMatches,
  useRouteError,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { OrgSwitcher } from './components/org-switcher.tsx';
import { useNonce } from './nonce.tsx';
import baseStyles from './styles/base.css?url';
import { TrpcProvider } from './trpc-provider.tsx';
import { callIfSignedIn } from './trpc.server.ts';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: baseStyles },
  { rel: 'icon', href: '/favicon.svg', type: 'image/svg+xml' },
];

export const meta: MetaFunction = ({ error }) => {
  if (!error) return [{ title: 'Metric Flow IQ' }];
  const status = isRouteErrorResponse(error) ? error.status : 500;
  return [{ title: `${ERROR_COPY[status]?.title ?? 'Something went wrong'} · Metric Flow IQ` }];
};

/** The header needs who is signed in and their organizations; signed out, both are empty. */
export async function loader(args: LoaderFunctionArgs) {
  const signedIn = await callIfSignedIn(args, async (caller) => {
    const [me, organizations] = await Promise.all([caller.auth.me(), caller.org.list()]);
    return { user: me.user, organizations };
  });
  return { user: signedIn?.user ?? null, organizations: signedIn?.organizations ?? [] };
}

export function Layout({ children }: { children: ReactNode }) {
  const nonce = useNonce();
  const data = useRouteLoaderData<typeof loader>('root');
  // Share links and TV mode show a dashboard alone: no header, navigation or footer (route handle).
  const bare = useMatches().some((m) => (m.handle as { bare?: boolean } | undefined)?.bare === true);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <TrpcProvider>
          {bare ? null : <SiteHeader user={data?.user ?? null} organizations={data?.organizations ?? []} />}
          <main id="main" className={bare ? 'site-main site-main--bare' : 'site-main'}>
            {children}
          </main>
        </TrpcProvider>
        <footer className="site-footer" hidden={bare}>
          <span>Metric Flow IQ · Business metrics, tenant-safe by design</span>
          <nav aria-label="About" className="site-footer__links">
            <Link to="/security">Security</Link>
            <Link to="/privacy">Privacy</Link>
            <Link to="/subprocessors">Subprocessors</Link>
            <Link to="/contact">Contact</Link>
          </nav>
        </footer>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

type RootData = Awaited<ReturnType<typeof loader>>;

function SiteHeader({ user, organizations }: { user: RootData['user']; organizations: RootData['organizations'] }) {
  const location = useLocation();
  const onAuthPage = location.pathname === '/login' || location.pathname === '/signup';
  return (
    <header className="site-header">
      <div className="site-header__inner">
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true">
            M
          </span>
          <span className="brand__name">Metric Flow IQ</span>
        </Link>
        {user ? <OrgSwitcher initial={organizations} /> : null}
        <div className="site-header__spacer" />
        {user ? (
          <div className="account">
            <Link to="/account" className="account__name" title={user.email}>
              {user.displayName}
            </Link>
            <Form method="post" action="/logout" reloadDocument>
              <button type="submit" className="button button--quiet">
                Sign out
              </button>
            </Form>
          </div>
        ) : onAuthPage ? null : (
          <nav className="account" aria-label="Account">
            <Link to="/login" className="button button--quiet">
              Sign in
            </Link>
            <Link to="/signup" className="button">
              Create account
            </Link>
          </nav>
        )}
      </div>
    </header>
  );
}

export default function App() {
  return <Outlet />;
}

const ERROR_COPY: Record<number, { title: string; text: string }> = {
  400: { title: 'That request was not valid', text: 'Check what you entered and try again.' },
  403: {
    title: 'You do not have access to this',
    text: 'Your role in this organization does not allow this action. Ask an owner or admin.',
  },
  404: {
    title: 'Page not found',
    text: 'There is nothing here, or it is not yours to see. Check the address, or go back to your organizations.',
  },
  429: { title: 'Too many requests', text: 'Wait a moment and try again.' },
};

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const copy = ERROR_COPY[status] ?? {
    title: 'Something went wrong',
    text: 'An unexpected error occurred on our side. Try again in a moment.',
  };
  const detail =
    isRouteErrorResponse(error) && status === 403 && typeof (error.data as { message?: unknown })?.message === 'string'
      ? (error.data as { message: string }).message
      : null;
  return (
    <section className="error-page" aria-labelledby="error-title">
      <p className="error-page__code">{status}</p>
      <h1 id="error-title">{copy.title}</h1>
      <p>{copy.text}</p>
      {detail ? <p className="muted">{detail}</p> : null}
      <p>
        <Link to="/" className="button">
          Go to the start page
        </Link>
      </p>
    </section>
  );
}
