import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';

interface FieldProps {
  name: string;
  /** Defaults to the name; a page with several forms of the same fields gives each its own. */
  id?: string;
  label: string;
  errors?: string[] | undefined;
  hint?: ReactNode;
  children?: never;
}

function describedBy(name: string, errors: string[] | undefined, hint: ReactNode) {
  const ids = [errors?.length ? `${name}-error` : null, hint ? `${name}-hint` : null].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldMessages({ name, errors, hint }: { name: string; errors: string[] | undefined; hint: ReactNode }) {
  return (
    <>
      {hint ? (
        <p className="field__hint" id={`${name}-hint`}>
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p className="field__error" id={`${name}-error`} role="alert">
          {errors.join(' ')}
        </p>
      ) : null}
    </>
  );
}

/** A labelled input with its hint and field-level errors wired to it for assistive technology. */
/** `id` defaults to the name; give one when two forms on a page have a field of the same name. */
export function TextField({
  name,
  id = name,
  label,
  errors,
  hint,
  ...input
}: FieldProps & InputHTMLAttributes<HTMLInputElement>) {
  const invalid = Boolean(errors?.length);
  return (
    <div className={`field${invalid ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <input
        id={id}
        name={name}
        className="input"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(id, errors, hint)}
        {...input}
      />
      <FieldMessages name={id} errors={errors} hint={hint} />
    </div>
  );
}

export function SelectField({
  name,
  id = name,
  label,
  errors,
  hint,
  options,
  ...select
}: FieldProps & SelectHTMLAttributes<HTMLSelectElement> & { options: { value: string; label: string }[] }) {
  const invalid = Boolean(errors?.length);
  return (
    <div className={`field${invalid ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <select
        id={id}
        name={name}
        className="input select"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(id, errors, hint)}
        {...select}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldMessages name={id} errors={errors} hint={hint} />
    </div>
  );
}

const ALERT_ROLE = { error: 'alert', success: 'status', info: 'note' } as const;

export function FormAlert({ children, tone = 'error' }: { children: ReactNode; tone?: keyof typeof ALERT_ROLE }) {
  return (
    <div className={`alert alert--${tone}`} role={ALERT_ROLE[tone]}>
      {children}
    </div>
  );
}

/** A labelled multi-line input, wired like TextField. */
export function TextAreaField({
  name,
  id = name,
  label,
  errors,
  hint,
  ...area
}: FieldProps & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const invalid = Boolean(errors?.length);
  return (
    <div className={`field${invalid ? ' field--invalid' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        className="input textarea"
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy(id, errors, hint)}
        {...area}
      />
      <FieldMessages name={id} errors={errors} hint={hint} />
    </div>
  );
}
