// The pages' shell: who is signed in, the navigation their role may use, the language switch, and the route's page.
import 'leaflet/dist/leaflet.css';
import './app.css';
import { h, fill, verbatim } from './core/dom.js';
import { t, tx, lang, setLang, languages, addText, missingKeys } from './core/i18n.js';
import { api } from './core/api.js';
import { route, current, href } from './core/router.js';
import { errorBox } from './core/widgets.js';
import { modules } from './pages/index.js';

const nav = [];
for (const module of modules) {
  addText(module.text ?? {});
  for (const page of module.pages) {
    route(page.path, page);
    if (page.nav) nav.push(page);
  }
}
nav.sort((a, b) => a.nav - b.nav);
// Every label in both languages: the browser tests fail on this line.
for (const [language, keys] of Object.entries(missingKeys())) if (keys.length) console.error(`i18n: ${language} lacks ${keys.join(', ')}`);

const state = { me: null };

async function signedIn() {
  try {
    state.me = await api.get('/me');
  } catch (error) {
    if (error.status !== 401) throw error;
    state.me = null;
  }
  return state.me;
}

const allowed = (page) => !page.roles || (state.me && page.roles.includes(state.me.role));

function header() {
  const me = state.me;
  const languageSwitch = h('select', {
    id: 'language', 'aria-label': t('shell.language'),
    onchange: (e) => { setLang(e.target.value); render(); },
  }, languages.map((l) => h('option', { value: l, selected: l === lang() }, l === 'zh-CN' ? '中文' : 'English')));
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/', translate: 'no' }, t('shell.brand')),
    me ? h('nav', { 'aria-label': t('shell.nav') }, h('ul', {}, nav.filter(allowed).map((p) =>
      h('li', {}, h('a', { href: href(p.path), 'aria-current': current().path === p.path ? 'page' : null }, t(p.title)))))) : null,
    h('div', { class: 'who' },
      me ? h('span', {}, tx('shell.who', { user: verbatim(me.user), role: t(`role.${me.role}`), tenant: verbatim(me.tenant) })) : null,
      h('label', { for: 'language', class: 'visually-hidden' }, t('shell.language')),
      languageSwitch,
      me ? h('button', { type: 'button', onclick: signOut }, t('shell.signOut')) : null));
}

async function signOut() {
  await api.delete('/session');
  state.me = null;
  location.hash = '#/';
  render();
}

const main = h('main', { id: 'main', tabindex: '-1' });
const app = document.getElementById('app');

export function render() {
  document.documentElement.lang = lang();
  const where = current();
  let page = where.page;
  if (!state.me) page = modules.flatMap((m) => m.pages).find((p) => p.path === '/sign-in');
  else if (!page) page = { title: 'shell.notFound', render: () => errorBox(new Error(t('shell.noSuchPage', { path: where.path }))) };
  else if (!allowed(page)) page = { title: 'shell.notAllowed', render: () => errorBox(new Error(t('error.forbidden'))) };
  document.title = `${t(page.title)} · ${t('shell.brand')}`;
  fill(app, h('a', { class: 'skip', href: '#main', onclick: (e) => { e.preventDefault(); main.focus(); } }, t('shell.skip')), header(), main);
  fill(main, h('h1', {}, t(page.title)));
  try {
    const content = page.render({ ...where, me: state.me, rerender: render, signedIn: async () => { await signedIn(); render(); } });
    if (content) main.append(content);
  } catch (error) {
    main.append(errorBox(error));
  }
}

window.addEventListener('hashchange', render);
window.addEventListener('agri:signed-out', () => { if (state.me) { state.me = null; render(); } });
signedIn().then(render, (error) => fill(app, errorBox(error)));
