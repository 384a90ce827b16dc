import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import QRCode from 'qrcode';
import { z } from 'zod';
import { confirmTwoFactorInput } from '@mfiq/api/shared';
import { FormAlert, TextField } from '../components/field.tsx';
import { submitForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
import { callApi } from '../trpc.server.ts';
import accountStyles from '../styles/account.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(accountStyles);

export const meta: MetaFunction = () => [{ title: 'Two-factor authentication · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const account = await callApi(args, (caller) => caller.account.get());
  return {
    enabled: account.twoFactor.enabled,
    required: new URL(args.request.url).searchParams.get('required') === '1',
  };
}

/**
 * The pending secret and its otpauth URI ride along with the code (hidden fields), so a wrong code
 * shows the same QR code again: the secret is still pending server-side.
 */
const pending = { secret: z.string().max(200).optional(), uri: z.string().max(1000).optional() };
const twoFactorForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('begin') }),
  confirmTwoFactorInput.extend({ intent: z.literal('confirm'), ...pending }),
  z.object({ intent: z.literal('recovery') }),
]);
const confirmForm = confirmTwoFactorInput.extend(pending);

const qr = (uri: string) => QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });

/**
 * begin: a new secret, shown as a QR code (an SVG made on the server: no script, no external
 * image, nothing the CSP has to allow) and as text; confirm: a code from the app turns it on and
 * the recovery codes are shown once; recovery: new codes for an account that has two-factor.
 */
export async function action(args: ActionFunctionArgs) {
  const outcome = await submitForm(args, twoFactorForm, async (value, api) => {
    switch (value.intent) {
      case 'begin': {
        const { secret, uri } = await api.account.beginTwoFactor();
        return { stage: 'scan' as const, secret, uri, qrSvg: await qr(uri), recoveryCodes: null };
      }
      case 'confirm': {
        const { recoveryCodes } = await api.account.confirmTwoFactor({ code: value.code });
        return { stage: 'done' as const, secret: null, uri: null, qrSvg: null, recoveryCodes };
      }
      case 'recovery': {
        const { recoveryCodes } = await api.account.regenerateRecoveryCodes();
        return { stage: 'done' as const, secret: null, uri: null, qrSvg: null, recoveryCodes };
      }
    }
  });
  if (outcome.ok) return { ...outcome.value, reply: outcome.reply };
  const typed = outcome.reply.initialValue ?? {};
  const secret = typeof typed.secret === 'string' ? typed.secret : null;
  const uri = typeof typed.uri === 'string' ? typed.uri : null;
  const qrSvg = uri ? await qr(uri).catch(() => null) : null;
  return data(
    {
      stage: secret ? ('scan' as const) : ('start' as const),
      secret,
      uri,
      qrSvg,
      recoveryCodes: null,
      reply: outcome.reply,
    },
    { status: 400 },
  );
}

export default function TwoFactor() {
  const { enabled, required } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(confirmForm, { id: 'two-factor', lastResult: result?.reply });
  return (
    <section className="panel" aria-labelledby="tf-title">
      <h1 id="tf-title" className="panel__title">
        Two-factor authentication
      </h1>
      {required && !enabled ? (
        <FormAlert tone="info">Your organization requires two-factor authentication. Set it up to continue.</FormAlert>
      ) : null}
      {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
      {result?.stage === 'done' && result.recoveryCodes ? (
        <>
          <FormAlert tone="success">
            Two-factor is on. Keep these recovery codes somewhere safe: each works once, and they are shown only now.
          </FormAlert>
          <ol className="codes" data-testid="recovery-codes">
            {result.recoveryCodes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ol>
          <Link to="/account" className="button">
            Done
          </Link>
        </>
      ) : result?.stage === 'scan' && result.secret ? (
        <>
          <p>Scan this code with your authenticator app, then enter the 6-digit code it shows.</p>
          {/* The SVG comes from the qrcode library on the server (paths only, no script). */}
          {result.qrSvg ? (
            <div
              className="qr"
              role="img"
              aria-label="QR code for your authenticator app"
              dangerouslySetInnerHTML={{ __html: result.qrSvg }}
            />
          ) : null}
          <p>
            Or enter this key by hand: <code data-testid="totp-secret">{result.secret}</code>
          </p>
          <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
            <input type="hidden" name="intent" value="confirm" />
            <input type="hidden" name="secret" value={result.secret} />
            <input type="hidden" name="uri" value={result.uri ?? ''} />
            <TextField
              {...fieldProps(fields.code)}
              label="6-digit code"
              autoComplete="one-time-code"
              inputMode="numeric"
              required
            />
            <button type="submit" className="button" disabled={busy}>
              Turn on two-factor
            </button>
          </Form>
        </>
      ) : enabled ? (
        <Form method="post" className="form">
          <p>Two-factor is on. New recovery codes replace the old ones.</p>
          <button type="submit" name="intent" value="recovery" className="button" disabled={busy}>
            Create new recovery codes
          </button>
        </Form>
      ) : (
        <Form method="post" className="form">
          <p>You will need an authenticator app (for example on your phone).</p>
          <button type="submit" name="intent" value="begin" className="button" disabled={busy}>
            Start set-up
          </button>
        </Form>
      )}
    </section>
  );
}
