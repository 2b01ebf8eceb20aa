// The cloud's HTTP API, same origin. The session is an HttpOnly cookie the host set from the user's token
// (POST /session); every request carries X-Agri-Csrf, which a page of another site cannot send without the host's
// consent, so a cookie alone never changes anything.

const base = '/api/v1';

/** A refused request: status, the problem's title and detail, and the fields it names ({ field: [reasons] }). */
export class ApiError extends Error {
  constructor(status, problem) {
    super([problem?.title, problem?.detail].filter(Boolean).join(' — ') || `HTTP ${status}`);
    this.status = status;
    this.title = problem?.title ?? '';
    this.errors = problem?.errors ?? {};
  }
}

/** The URL of an API path with its query (values null/undefined/'' left out), for links and <img src>. */
export function url(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const q = params.toString();
  return `${path.startsWith('/') && !path.startsWith(base) && !path.startsWith('/session') ? base : ''}${path}${q ? `?${q}` : ''}`;
}

async function send(method, path, { query, body, raw } = {}) {
  const headers = { Accept: 'application/json', 'X-Agri-Csrf': '1' };
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const response = await fetch(url(path, query), { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 401 && !path.startsWith('/session')) window.dispatchEvent(new Event('agri:signed-out'));
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON: the status says enough */ }
    throw new ApiError(response.status, problem);
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

export const api = {
  get: (path, query) => send('GET', path, { query }),
  post: (path, body, query) => send('POST', path, { body, query }),
  delete: (path) => send('DELETE', path),
};
