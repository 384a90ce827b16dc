import {
  data,
  redirect,
  unstable_parseMultipartFormData,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { FormAlert } from '../components/field.tsx';
import { callApi, formErrors, isTrpcError, serverApi, toResponse } from '../trpc.server.ts';
import { formatBytes, STATUS_LABELS } from '../lib/imports.ts';

export const meta: MetaFunction = () => [{ title: 'Import CSV · Metric Flow IQ' }];

export async function loader(args: LoaderFunctionArgs) {
  const slug = args.params.slug ?? '';
  return callApi(args, async (caller) => ({ imports: await caller.imports.list({ slug, limit: 20 }) }));
}

/**
 * The upload: the multipart body streams (see server/uploads.ts) straight into the import
 * procedure, which stores the file and enforces the size limit after the permission check.
 */
export async function action(args: ActionFunctionArgs) {
  const slug = args.params.slug ?? '';
  const { caller } = await serverApi(args);
  let uploaded: { id: string } | null = null;
  try {
    await unstable_parseMultipartFormData(args.request, async ({ name, filename, data: bytes }) => {
      if (name !== 'file' || !filename || uploaded) {
        for await (const _ of bytes) void _; // not ours: read past it
        return undefined;
      }
      uploaded = await caller.imports.upload({ slug, fileName: filename, file: bytes });
      return uploaded.id;
    });
  } catch (error) {
    if (isTrpcError(error) && error.code === 'PAYLOAD_TOO_LARGE')
      return data({ formError: error.message }, { status: 413 });
    const errors = formErrors(error);
    if (errors)
      return data(
        { formError: errors.formError ?? Object.values(errors.fieldErrors)[0]?.[0] ?? 'The upload was refused.' },
        { status: 400 },
      );
    throw toResponse(error, args.request);
  }
  if (!uploaded) return data({ formError: 'Choose a CSV file to upload.' }, { status: 400 });
  return redirect(`/orgs/${slug}/imports/${(uploaded as { id: string }).id}`);
}

export default function Imports() {
  const { imports } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state === 'submitting';
  return (
    <section className="panel" aria-labelledby="imports-title">
      <h2 id="imports-title" className="panel__title">
        Import data from a CSV file
      </h2>
      <p className="muted">
        One point per row: a metric (a column of metric keys, or one metric for the whole file), a timestamp and a
        value. The first row names the columns. Up to 1,000,000 rows; importing the same rows again changes nothing.
      </p>
      {result?.formError ? <FormAlert>{result.formError}</FormAlert> : null}
      <Form method="post" encType="multipart/form-data" className="form form--wide">
        <div className="field">
          <label htmlFor="file" className="field__label">
            CSV file
          </label>
          <input id="file" name="file" type="file" accept=".csv,.tsv,.txt,text/csv" required className="input" />
        </div>
        <div className="form__actions">
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Uploading…' : 'Upload and map columns'}
          </button>
        </div>
      </Form>
      {imports.length ? (
        <>
          <h3>Recent imports</h3>
          <table className="table" data-testid="imports-list">
            <thead>
              <tr>
                <th scope="col">File</th>
                <th scope="col">Size</th>
                <th scope="col">Status</th>
                <th scope="col">Rows written</th>
                <th scope="col">Rejected</th>
                <th scope="col">Uploaded</th>
              </tr>
            </thead>
            <tbody>
              {imports.map((i) => (
                <tr key={i.id}>
                  <td>
                    <Link to={i.id}>{i.fileName}</Link>
                  </td>
                  <td>{formatBytes(i.sizeBytes)}</td>
                  <td>{STATUS_LABELS[i.status]}</td>
                  <td>{i.rowsWritten.toLocaleString('en-US')}</td>
                  <td>{i.rowsFailed.toLocaleString('en-US')}</td>
                  <td>{new Date(i.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
