// Sign-in and the start page.
import { h, verbatim } from '../core/dom.js';
import { t, tx } from '../core/i18n.js';
import { api } from '../core/api.js';
import { errorBox } from '../core/widgets.js';

function signIn(ctx) {
  const token = h('textarea', { id: 'token', name: 'token', rows: 4, required: true, autocomplete: 'off', spellcheck: 'false' });
  const message = h('div', { 'aria-live': 'polite' });
  const submit = async (value) => {
    message.replaceChildren();
    try {
      await api.post('/session', { token: value.trim() });
      await ctx.signedIn();
    } catch (error) {
      message.append(errorBox(error, 'signIn.refused'));
    }
  };
  // A link from `tools/agri token --link`: sign in with it, and take the token out of the address bar and history.
  if (ctx.query.token) {
    const value = ctx.query.token;
    history.replaceState(null, '', '#/');
    setTimeout(() => submit(value), 0);
  }
  const form = h('form', {
    class: 'card narrow',
    onsubmit: (e) => {
      e.preventDefault();
      submit(token.value);
    },
  },
  h('p', {}, t('signIn.explain')),
  h('label', { for: 'token' }, t('signIn.token')),
  token,
  h('p', { class: 'muted' }, t('signIn.where')),
  h('button', { type: 'submit', class: 'primary' }, t('signIn.submit')),
  message);
  return form;
}

function start(ctx) {
  const role = ctx.me.role;
  const tasks = {
    underwriter: ['start.underwriter'],
    'claims-officer': ['start.claims'],
    'field-agent': ['start.herd'],
    auditor: ['start.auditor'],
  }[role] ?? [];
  return h('div', { class: 'card' },
    h('p', {}, tx('start.hello', { user: verbatim(ctx.me.user), tenant: verbatim(ctx.me.tenant), role: t(`role.${role}`) })),
    tasks.map((k) => h('p', {}, t(k))),
    h('p', { class: 'muted' }, t('start.nav')));
}

export default {
  pages: [
    { path: '/sign-in', title: 'signIn.title', render: signIn },
    { path: '/', title: 'start.title', render: start },
  ],
  text: {
    en: {
      'shell.brand': 'AgriInsure',
      'shell.nav': 'Main',
      'shell.language': 'Language',
      'shell.who': '{user} · {role} · {tenant}',
      'shell.signOut': 'Sign out',
      'shell.skip': 'Skip to content',
      'shell.notFound': 'No such page',
      'shell.noSuchPage': 'There is no page at {path}.',
      'shell.notAllowed': 'Not for your role',
      'role.underwriter': 'Underwriter',
      'role.claims-officer': 'Claims officer',
      'role.field-agent': 'Field agent',
      'role.auditor': 'Auditor',
      'signIn.title': 'Sign in',
      'signIn.explain': 'Sign in with the access token your insurer issued to you. It names you, your insurer and your role.',
      'signIn.token': 'Access token',
      'signIn.where': 'An administrator issues one with: tools/agri token --user NAME --tenant INSURER --role ROLE',
      'signIn.submit': 'Sign in',
      'signIn.refused': 'Not signed in',
      'start.title': 'Start',
      'start.hello': 'Signed in as {user}, {role} of {tenant}.',
      'start.underwriter': 'Price plots on their measured acreage: open the season map, then a plot, then issue its policy.',
      'start.claims': 'Decide claims and flagged duplicate enrolments from the claims queue.',
      'start.herd': 'Follow farmers, their herds and each animal’s life, and run a herd census.',
      'start.auditor': 'Read every record of your insurer and check its ledger proof; you change nothing.',
      'start.nav': 'The menu above lists the pages your role may use.',
    },
    'zh-CN': {
      'shell.brand': '农险通 AgriInsure',
      'shell.nav': '主菜单',
      'shell.language': '语言',
      'shell.who': '{user} · {role} · {tenant}',
      'shell.signOut': '退出登录',
      'shell.skip': '跳到正文',
      'shell.notFound': '页面不存在',
      'shell.noSuchPage': '{path} 没有对应的页面。',
      'shell.notAllowed': '您的角色不能访问',
      'role.underwriter': '核保员',
      'role.claims-officer': '理赔员',
      'role.field-agent': '外勤业务员',
      'role.auditor': '审计员',
      'signIn.title': '登录',
      'signIn.explain': '请使用保险公司为您签发的访问令牌登录。令牌中包含您的姓名、所属保险公司和角色。',
      'signIn.token': '访问令牌',
      'signIn.where': '管理员可用以下命令签发：tools/agri token --user 姓名 --tenant 保险公司 --role 角色',
      'signIn.submit': '登录',
      'signIn.refused': '未能登录',
      'start.title': '首页',
      'start.hello': '您已登录：{user}，{tenant} 的{role}。',
      'start.underwriter': '按实测面积为地块定价：打开本季地图，选择地块，然后出具保单。',
      'start.claims': '在理赔队列中处理理赔案件和疑似重复投保的牲畜。',
      'start.herd': '查看农户、畜群和每头牲畜的档案，并开展畜群清点。',
      'start.auditor': '查阅本公司的全部记录并核验账本证明；您不能修改任何内容。',
      'start.nav': '上方菜单列出您的角色可以使用的页面。',
    },
  },
};
