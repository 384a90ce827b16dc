/**
 * How a route asks for its response to be framable: it lists the allowed origins in this header,
 * and the server (server/security.ts) writes them into that response's CSP frame-ancestors and
 * drops the header. Every other response keeps frame-ancestors 'none' and X-Frame-Options DENY.
 */
export const FRAME_ANCESTORS_HEADER = 'X-Mfiq-Frame-Ancestors';
