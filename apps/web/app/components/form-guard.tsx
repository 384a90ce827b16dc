import { HONEYPOT_FIELD, TOKEN_FIELD } from '../../server/abuse/forms.ts';
import type { FormChallenge } from '../../server/abuse/guard.ts';
import { useNonce } from '../nonce.tsx';

/**
 * The hidden part of a protected public form: the signed fill-time token, the honeypot (off-screen,
 * hidden from assistive technology, out of the tab order, no autofill) and, when configured, the
 * CAPTCHA widget with its provider's script.
 */
export function FormGuardFields({ challenge }: { challenge: FormChallenge }) {
  const nonce = useNonce();
  return (
    <>
      <input type="hidden" name={TOKEN_FIELD} value={challenge.token} />
      <div className="hp-field" aria-hidden="true">
        <label htmlFor={`${HONEYPOT_FIELD}-field`}>Leave this field empty</label>
        <input
          id={`${HONEYPOT_FIELD}-field`}
          name={HONEYPOT_FIELD}
          type="text"
          tabIndex={-1}
          autoComplete="off"
          defaultValue=""
        />
      </div>
      {challenge.captcha ? (
        <>
          <div className={challenge.captcha.widgetClass} data-sitekey={challenge.captcha.siteKey} />
          <script src={challenge.captcha.script} nonce={nonce} async defer />
        </>
      ) : null}
    </>
  );
}
