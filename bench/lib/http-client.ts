import http from 'node:http';

/** A keep-alive HTTP client for benchmarks: GETs and form posts, a non-2xx/3xx answer is an error. */
export function httpClient(maxSockets = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  function request(
    url: string,
    opts: { method?: string; headers?: Record<string, string>; body?: string; accept?: number } = {},
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          agent,
          method: opts.method ?? 'GET',
          headers:
            opts.body === undefined
              ? opts.headers
              : { 'content-length': Buffer.byteLength(opts.body), ...opts.headers },
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (c: string) => (body += c));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 400 && status !== opts.accept)
              reject(new Error(`${opts.method ?? 'GET'} ${url}: ${status} ${body.slice(0, 200)}`));
            else resolve({ status, headers: res.headers, body });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(opts.body);
    });
  }
  return {
    request,
    get: (url: string, headers?: Record<string, string>) => request(url, headers ? { headers } : {}),
    /** Signs in through the real /login form (its signed token, an empty honeypot); returns the cookie. */
    async signIn(baseUrl: string, email: string, password: string): Promise<string> {
      const page = await request(`${baseUrl}/login`);
      const formToken = /name="formToken" value="([^"]+)"/.exec(page.body)?.[1];
      if (!formToken) throw new Error('no form token on /login');
      const res = await request(`${baseUrl}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: baseUrl },
        body: new URLSearchParams({ formToken, website: '', email, password }).toString(),
      });
      const cookie = (res.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0] ?? '')
        .filter((c) => c && !c.endsWith('='))
        .join('; ');
      if (res.status !== 302 || !cookie) throw new Error(`sign-in failed: ${res.status}`);
      return cookie;
    },
    close: () => agent.destroy(),
  };
}
