import { redirect, type ActionFunctionArgs } from '@remix-run/node';
import { serverApi } from '../trpc.server.ts';

/** Sign-out is a POST only (a link or an image cannot sign anyone out); the session ends server-side. */
export async function action(args: ActionFunctionArgs) {
  const { caller, resHeaders } = await serverApi(args);
  await caller.auth.signOut();
  return redirect('/login', { headers: resHeaders });
}

export function loader() {
  return redirect('/');
}
