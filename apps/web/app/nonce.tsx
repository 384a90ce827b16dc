import { createContext, useContext } from 'react';

/**
 * The request's CSP nonce, provided by entry.server. In the browser it is empty: browsers hide
 * nonce attributes from the DOM, and scripts added after hydration need none ('strict-dynamic').
 */
const NonceContext = createContext('');
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
