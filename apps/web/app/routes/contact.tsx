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
import { contactInput } from '@mfiq/api/shared';
import { FormAlert, SelectField, TextAreaField, TextField } from '../components/field.tsx';
import { FormGuardFields } from '../components/form-guard.tsx';
import { PublicPage } from '../components/public-page.tsx';
import { refusalInit } from '../form-guard.server.ts';
import { submitPublicForm } from '../lib/form-action.server.ts';
import { fieldProps, useApiForm } from '../lib/forms.ts';
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

export async function action(args: ActionFunctionArgs) {
  const outcome = await submitPublicForm(args, 'contact', contactInput, (value, api) => api.contact.submit(value));
  if (outcome.ok) throw redirect('/contact?sent=1', 303);
  const challenge = args.context.forms.issue('contact');
  if (!('refused' in outcome)) return data({ reply: outcome.reply, challenge }, { status: 400 });
  // A bot caught by the honeypot, the fill-time token or a replay sees exactly what a person sees
  // after sending; only the rate limit (429) and a failed CAPTCHA say no.
  if (outcome.refused.reason !== 'rate_limited' && outcome.refused.reason !== 'captcha')
    throw redirect('/contact?sent=1', 303);
  return data({ reply: outcome.reply, challenge }, refusalInit(outcome.refused));
}

export default function Contact() {
  const { sent, topic, challenge } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  const [form, fields] = useApiForm(contactInput, { id: 'contact', lastResult: result?.reply });
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
          {form.errors?.length ? <FormAlert>{form.errors.join(' ')}</FormAlert> : null}
          <Form method="post" className="form" id={form.id} onSubmit={form.onSubmit} noValidate>
            {/* A refused or invalid submission comes back with a fresh token (loaders do not rerun after a 4xx). */}
            <FormGuardFields challenge={result?.challenge ?? challenge} />
            <TextField {...fieldProps(fields.name)} label="Your name" autoComplete="name" required maxLength={100} />
            <TextField
              {...fieldProps(fields.email)}
              label="Email"
              type="email"
              autoComplete="email"
              required
              maxLength={254}
            />
            <SelectField
              {...fieldProps(fields.topic)}
              defaultValue={fields.topic.initialValue || topic}
              label="Topic"
              options={CONTACT_TOPICS.map((t) => ({ value: t, label: TOPIC_LABELS[t] }))}
            />
            <TextAreaField
              {...fieldProps(fields.message)}
              label="Message"
              required
              rows={6}
              maxLength={5000}
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
