import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { CONTACT_TOPICS } from '@mfiq/api/contact';
import { FormAlert, SelectField, TextAreaField, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { PublicPage } from '../components/public-page.tsx';
import { checkForm, refusal } from '../form-guard.server.ts';
import { formErrors, serverApi, toResponse } from '../trpc.server.ts';
import docStyles from '../styles/doc.css?url';
import { stylesheets } from '../styles/links.ts';

export const links = stylesheets(docStyles);

export const meta: MetaFunction = () => [{ title: 'Contact · Metric Flow IQ' }];

const TOPIC_LABELS: Record<(typeof CONTACT_TOPICS)[number], string> = {
  sales: 'Sales and pricing',
  security: 'Security (questions or a vulnerability report)',
  support: 'Help with the product',
  privacy: 'Privacy and your data',
  other: 'Something else',
};

export function loader(args: LoaderFunctionArgs) {
  const url = new URL(args.request.url);
  const topic = url.searchParams.get('topic');
  return {
    sent: url.searchParams.get('sent') === '1',
    topic: CONTACT_TOPICS.find((t) => t === topic) ?? 'sales',
    challenge: args.context.forms.issue('contact'),
  };
}

// A refusal's Retry-After (429) reaches the browser with the page.
export const headers: HeadersFunction = ({ actionHeaders }) => actionHeaders;

const text = (form: FormData, key: string) => {
  const v = form.get(key);
  return typeof v === 'string' ? v : '';
};

export async function action(args: ActionFunctionArgs) {
  const form = await args.request.formData();
  const values = {
    name: text(form, 'name'),
    email: text(form, 'email'),
    topic: text(form, 'topic'),
    message: text(form, 'message'),
  };
  const verdict = await checkForm(args, 'contact', form);
  // A bot caught by the honeypot, the fill-time token or a replay sees exactly what a person sees
  // after sending; only the rate limit (429) and a failed CAPTCHA say no.
  if (!verdict.ok && verdict.reason !== 'rate_limited' && verdict.reason !== 'captcha')
    return redirect('/contact?sent=1', 303);
  if (!verdict.ok) return refusal(verdict, { values, challenge: args.context.forms.issue('contact') });
  const { caller } = await serverApi(args, { formPass: verdict.pass });
  try {
    await caller.contact.submit(values as Parameters<typeof caller.contact.submit>[0]);
  } catch (error) {
    const errors = formErrors(error);
    if (!errors) throw toResponse(error, args.request);
    return data({ ...errors, values, challenge: args.context.forms.issue('contact') }, { status: 400 });
  }
  return redirect('/contact?sent=1', 303);
}

export default function Contact() {
  const { sent, topic, challenge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const fe = result?.fieldErrors ?? {};
  return (
    <PublicPage
      id="contact"
      eyebrow="Contact"
      title="Get in touch"
      lead="Questions about the product, security or your data: we read every message and answer by email."
    >
      {sent ? (
        <FormAlert tone="success">Thank you, your message was sent. We will answer by email.</FormAlert>
      ) : (
        <div className="panel form-panel">
          {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
          <Form method="post" className="form" noValidate>
            {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
            <FormGuardFields challenge={result?.challenge ?? challenge} />
            <TextField
              name="name"
              label="Your name"
              autoComplete="name"
              required
              maxLength={100}
              defaultValue={result?.values.name}
              errors={fe.name}
            />
            <TextField
              name="email"
              label="Email"
              type="email"
              autoComplete="email"
              required
              maxLength={254}
              defaultValue={result?.values.email}
              errors={fe.email}
            />
            <SelectField
              name="topic"
              label="Topic"
              defaultValue={result?.values.topic || topic}
              options={CONTACT_TOPICS.map((t) => ({ value: t, label: TOPIC_LABELS[t] }))}
              errors={fe.topic}
            />
            <TextAreaField
              name="message"
              label="Message"
              required
              rows={6}
              maxLength={5000}
              defaultValue={result?.values.message}
              errors={fe.message}
              hint="10 to 5,000 characters."
            />
            <div className="form__actions">
              <button type="submit" className="button" disabled={busy}>
                {busy ? 'Sending…' : 'Send message'}
              </button>
            </div>
          </Form>
        </div>
      )}
    </PublicPage>
  );
}
