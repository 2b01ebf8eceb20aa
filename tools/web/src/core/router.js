// Hash routes (#/plots/PL-1?page=2): the host serves one page, and a link can be sent or bookmarked.

const routes = [];

/** pattern '/plots/:id' → render(view, { params, query }). */
export function route(pattern, page) {
  const names = [];
  const regex = new RegExp(`^${pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; })}$`);
  routes.push({ regex, names, page });
}

/** The current location: { path, params, query, page } (page undefined when no route matches). */
export function current() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = hash.split('?');
  const query = Object.fromEntries(new URLSearchParams(search));
  for (const r of routes) {
    const m = r.regex.exec(path);
    if (m) return { path, query, page: r.page, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
  }
  return { path, query, params: {}, page: undefined };
}

/** A link to a route with a query: href('/claims', { kind: 'crop' }) → '#/claims?kind=crop'. */
export function href(path, query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined && v !== '') params.set(k, String(v));
  const q = params.toString();
  return `#${path}${q ? `?${q}` : ''}`;
}

/** Goes to path?query, replacing the history entry when replace (a filter change, not a new page). */
export function go(path, query, replace = false) {
  const target = href(path, query);
  if (replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else location.hash = target;
}
