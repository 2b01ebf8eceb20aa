// Pieces every page uses: a server-paged table, a job's progress, errors, definition lists, a map.
import L from 'leaflet';
import { h, fill } from './dom.js';
import { t, tx, fmt, lang, addText } from './i18n.js';
import { api, ApiError } from './api.js';
import { go } from './router.js';

addText({
  en: {
    'table.empty': 'Nothing to show.',
    'table.rows': 'Rows {first}–{last} of {total}',
    'table.previous': 'Previous page',
    'table.next': 'Next page',
    'table.pages': 'Pages',
    'loading': 'Loading…',
    'error.title': 'Could not load this',
    'error.refused': 'Not done',
    'error.offline': 'The host did not answer: the link or the host is down. Nothing was changed; try again.',
    'table.beyond': 'Page {page} is past the last page ({last}).',
    'table.last': 'Go to the last page',
    'error.notFound': 'Not found: it does not exist, or it belongs to another insurer.',
    'error.forbidden': 'Your role may not do this.',
    'error.field': '{field}: {reason}',
    'error.status.400': 'The host refused the input.',
    'error.status.409': 'This conflicts with what is on record.',
    'error.status.401': 'You are signed out: sign in again.',
    'error.status.server': 'The host failed to do this; nothing was changed. Try again, or tell the operator.',
    'error.status.other': 'The host answered {status}.',
    'error.fieldRefused': 'Refused: {field}',
    'host.said': 'What the host recorded (English)',
    'job.failedShort': 'Failed.',
    'job.cancelled': 'Cancelled.',
    'job.gone': 'Not found: this job does not exist, belongs to another insurer, or is no longer held (a job is kept for an hour in the host’s memory, not across a restart). Start it again.',
    'job.queued': 'Waiting to start…',
    'job.running': '{done} of {total} done',
    'job.done': 'Done: {total} in {seconds} s',
    'job.failed': 'Failed: {reason}',
    'job.progress': 'Progress',
    'map.attribution': 'Imagery: the insurer’s own satellite rasters',
    'map.zoomIn': 'Zoom in',
    'map.zoomOut': 'Zoom out',
    'unit.mu': 'mu',
    'unit.ha': 'ha',
  },
  'zh-CN': {
    'table.empty': '没有可显示的内容。',
    'table.rows': '第 {first}–{last} 条，共 {total} 条',
    'table.previous': '上一页',
    'table.next': '下一页',
    'table.pages': '分页',
    'loading': '正在加载…',
    'error.title': '无法加载',
    'error.refused': '未执行',
    'error.offline': '主机没有响应：网络或主机中断。未做任何更改，请重试。',
    'table.beyond': '第 {page} 页超出了最后一页（第 {last} 页）。',
    'table.last': '转到最后一页',
    'error.notFound': '未找到：记录不存在，或属于其他保险公司。',
    'error.forbidden': '您的角色无权执行此操作。',
    'error.field': '{field}：{reason}',
    'error.status.400': '主机拒绝了输入。',
    'error.status.409': '与已有记录冲突。',
    'error.status.401': '您已退出登录：请重新登录。',
    'error.status.server': '主机未能完成此操作，未做任何更改。请重试，或联系管理员。',
    'error.status.other': '主机返回 {status}。',
    'error.fieldRefused': '被拒绝的字段：{field}',
    'host.said': '主机记录的原文（英文）',
    'job.failedShort': '失败。',
    'job.cancelled': '已取消。',
    'job.gone': '未找到：此任务不存在、属于其他保险公司，或主机已不再保存（任务在主机内存中保留一小时，重启后不保留）。请重新发起。',
    'job.queued': '等待开始…',
    'job.running': '已完成 {done} / {total}',
    'job.done': '完成：共 {total} 项，用时 {seconds} 秒',
    'job.failed': '失败：{reason}',
    'job.progress': '进度',
    'map.attribution': '影像：保险公司自有卫星栅格',
    'map.zoomIn': '放大',
    'map.zoomOut': '缩小',
    'unit.mu': '亩',
    'unit.ha': '公顷',
  },
});

/** What the host wrote for people, in English, folded on a page in another language: kept as it was said. */
export const hostSaid = (text) => h('details', { class: 'recorded' }, h('summary', {}, t('host.said')), h('p', { lang: 'en', translate: 'no', class: 'pre' }, text));

export const loading = () => h('p', { class: 'muted', role: 'status' }, t('loading'));

/**
 * An error as the user should read it: what went wrong and, for a refused input, each field and reason (those the
 * summary does not say already). title: the heading, 'error.title' (a page could not load) or 'error.refused' (an
 * action was not done).
 */
export function errorBox(error, title = 'error.title') {
  if (error instanceof ApiError) {
    if (error.status === 404 || error.status === 403) {
      return h('div', { class: 'error', role: 'alert' }, h('strong', {}, t(title)), h('p', {}, t(error.status === 404 ? 'error.notFound' : 'error.forbidden')));
    }
    const fields = Object.entries(error.errors);
    if (lang() === 'en') {
      // The host writes its refusals in English: an English page shows them as they are.
      const summary = error.message;
      const items = fields.flatMap(([field, reasons]) => reasons.filter((reason) => !summary.includes(reason))
        .map((reason) => h('li', {}, t('error.field', { field, reason }))));
      return h('div', { class: 'error', role: 'alert' }, h('strong', {}, t(title)), h('p', {}, summary), items.length ? h('ul', {}, items) : null);
    }
    // In another language: what kind of refusal and which fields, in the page's words; the host's sentence folded beside.
    const summary = t(error.status >= 500 ? 'error.status.server' : `error.status.${error.status}`);
    const said = [error.message, ...fields.flatMap(([field, reasons]) => reasons.map((reason) => `${field}: ${reason}`))].join('\n');
    return h('div', { class: 'error', role: 'alert' }, h('strong', {}, t(title)),
      h('p', {}, summary.startsWith('error.') ? t('error.status.other', { status: error.status }) : summary),
      fields.length ? h('ul', {}, fields.map(([field]) => h('li', {}, tx('error.fieldRefused', { field: h('code', {}, field) })))) : null,
      hostSaid(said));
  }
  // fetch() itself failed: the host or the link is down, not the request.
  const text = error instanceof TypeError ? t('error.offline') : String(error?.message ?? error);
  return h('div', { class: 'error', role: 'alert' }, h('strong', {}, t(title)), h('p', {}, text));
}

/** Runs load() and puts its result (render(result)) or its error in a container, showing "loading" meanwhile. */
export function async(load, render) {
  const box = h('div', { 'aria-busy': 'true' }, loading());
  load().then((value) => fill(box, render(value)), (error) => fill(box, errorBox(error))).finally(() => box.removeAttribute('aria-busy'));
  return box;
}

/** A definition list from [label, value] pairs (value: text or element; null pairs skipped). */
export const dl = (pairs) => h('dl', { class: 'facts' }, pairs.filter(Boolean).flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]));

/** A page section with its heading. */
export const section = (title, ...children) => h('section', { class: 'card' }, h('h2', {}, title), ...children);

/**
 * A table paged on the server. columns: [{ label, cell: (row) => text | element, numeric? }]; load(offset, limit)
 * → { items, total, offset, limit } (the API's page). The page number lives in the route's query (?page=N) so the
 * back button and a sent link keep it; route = { path, query } of the page showing the table.
 */
export function pagedTable({ caption, columns, load, route, pageSize = 20, param = 'page' }) {
  const pageNo = Math.max(1, Number.parseInt(route.query[param] ?? '1', 10) || 1);
  const offset = (pageNo - 1) * pageSize;
  return async(() => load(offset, pageSize), (page) => {
    const goTo = (n) => go(route.path, { ...route.query, [param]: n > 1 ? n : null });
    if (page.items.length === 0 && page.total > 0) {
      // A link or a hand-typed ?page= past the end (the list shrank, or 999999): say so, offer the last page.
      const lastPage = Math.ceil(page.total / pageSize);
      return h('div', { class: 'muted', role: 'status' }, t('table.beyond', { page: pageNo, last: lastPage }), ' ',
        h('button', { type: 'button', onclick: () => goTo(lastPage) }, t('table.last')));
    }
    const table = h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : null }, c.label)))),
      h('tbody', {}, page.items.length === 0
        ? h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, t('table.empty')))
        : page.items.map((row) => h('tr', {}, columns.map((c) => h('td', { class: c.numeric ? 'num' : null }, c.cell(row)))))));
    const last = Math.min(page.total, offset + page.items.length);
    const pager = h('nav', { class: 'pager', 'aria-label': t('table.pages') },
      h('span', {}, page.total ? t('table.rows', { first: offset + 1, last, total: page.total }) : ''),
      h('button', { type: 'button', disabled: pageNo <= 1, onclick: () => goTo(pageNo - 1) }, t('table.previous')),
      h('button', { type: 'button', disabled: last >= page.total, onclick: () => goTo(pageNo + 1) }, t('table.next')));
    return h('div', { class: 'table-wrap' }, table, pager);
  });
}

/**
 * A job's progress, polled from GET /api/v1/jobs/{id} until it ends; onDone(job) is called with the finished job
 * (its result in job.result), onFail(job) when it failed or was cancelled (job.error says why). The bar is a <progress> with a live text for screen readers.
 */
export function jobProgress(jobId, onDone, { onFail, interval = 700 } = {}) {
  const bar = h('progress', { max: 1, value: 0, 'aria-label': t('job.progress') });
  const text = h('span', { role: 'status', 'aria-live': 'polite' }, t('job.queued'));
  const box = h('div', { class: 'job' }, bar, text);
  const poll = async () => {
    if (!box.isConnected && box.dataset.started) return; // the user left the page: stop asking
    box.dataset.started = '1';
    let job;
    try {
      job = await api.get(`/jobs/${encodeURIComponent(jobId)}`);
    } catch (error) {
      // A job lives in the host's memory for an hour: after that, or a restart, it is gone, which 'not found' alone does not say.
      fill(box, error instanceof ApiError && error.status === 404
        ? h('div', { class: 'error', role: 'alert' }, h('p', {}, t('job.gone')))
        : errorBox(error));
      return;
    }
    bar.max = Math.max(1, job.total);
    bar.value = job.done;
    if (job.state === 'queued') text.textContent = t('job.queued');
    else if (job.state === 'running') text.textContent = t('job.running', { done: fmt.number(job.done, 0), total: fmt.number(job.total, 0) });
    else if (job.state === 'done') {
      text.textContent = t('job.done', { total: fmt.number(job.total, 0), seconds: fmt.number(job.seconds ?? 0, 1) });
      onDone(job);
      return;
    } else {
      if (lang() === 'en') text.textContent = t('job.failed', { reason: job.error ?? job.state });
      else {
        text.textContent = t(job.state === 'cancelled' ? 'job.cancelled' : 'job.failedShort');
        if (job.error) box.append(hostSaid(job.error));
      }
      box.classList.add('error');
      onFail?.(job);
      return;
    }
    setTimeout(poll, interval);
  };
  setTimeout(poll, 0);
  return box;
}

/**
 * A Leaflet map in Web Mercator with no outside tiles: base imagery is what the page lays on it (the host's
 * rendered rasters as image overlays). Returns the L.Map; the container must be in the document before this.
 */
export function mapView(container) {
  const map = L.map(container, { attributionControl: true, zoomControl: false, zoomSnap: 0.25 });
  L.control.zoom({ zoomInTitle: t('map.zoomIn'), zoomOutTitle: t('map.zoomOut') }).addTo(map);
  map.attributionControl.setPrefix(false).addAttribution(t('map.attribution'));
  return map;
}

export { L };
