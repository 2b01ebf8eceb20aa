// Measuring many plots at once: the host runs it as a background job; the page shows its progress and, when done,
// each plot's measured area and quality (or why it was not measured).
import { h, fill, verbatim } from '../core/dom.js';
import { t, tx, fmt } from '../core/i18n.js';
import { api } from '../core/api.js';
import { async, errorBox, jobProgress, section } from '../core/widgets.js';
import { acquisitionChoices, plotLink, said } from './plot.js';

const shownResults = 200;

function results(job) {
  const r = job.result;
  const items = r.items.slice(0, shownResults);
  return section(t('measure.results'),
    h('p', { role: 'status' }, t('measure.summary', { measured: fmt.number(r.measured, 0), plots: fmt.number(r.plots, 0), seconds: fmt.number(job.seconds ?? 0, 1) })),
    h('ul', {}, Object.entries(r.byQuality).map(([q, n]) => h('li', {}, `${t(`plot.quality.${q}`)}: ${fmt.number(n, 0)}`))),
    r.items.length > shownResults ? h('p', { class: 'muted' }, t('measure.firstOnly', { shown: shownResults })) : null,
    h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, t('measure.tableCaption')),
      h('thead', {}, h('tr', {}, [t('measure.plot'), t('measure.measuredMu'), t('measure.quality'), t('measure.error')].map((l) => h('th', { scope: 'col' }, l)))),
      h('tbody', {}, items.map((i) => h('tr', {},
        h('td', {}, plotLink(i.plotId)),
        h('td', { class: 'num' }, i.measuredMu === null ? '—' : `${fmt.number(i.measuredMu, 2)} ${t('unit.mu')}`),
        h('td', {}, i.quality ? t(`plot.quality.${i.quality}`) : '—'),
        h('td', { class: i.error ? 'bad' : null }, i.error ? said(whyNot(i.errorField), i.error) : '')))))));
}

/** Why one plot was not measured, from the field the host refused. */
function whyNot(field) {
  return ['plotId', 'raster'].includes(field) ? t(`measure.why.${field}`) : tx('measure.why.other', { field: verbatim(field ?? '') });
}

/** The form's label of a request field a failed job names (its words before the first colon), else the field as sent. */
function failedField(job) {
  const field = /^(\w+):/.exec(job.error ?? '')?.[1];
  const labels = { raster: 'measure.raster', date: 'measure.date', band: 'measure.date', clouds: 'measure.clouds', min: 'measure.min' };
  return field in labels ? t(labels[field]) : verbatim(field ?? job.state);
}

/** A job that failed or was cancelled, in the page's words: nothing further was measured; the field to change. */
function failure(job) {
  return h('div', { class: 'error', role: 'alert', id: 'job-failed' },
    h('strong', {}, t('measure.failed')),
    h('p', {}, said(tx('measure.failedField', { field: failedField(job) }), job.error ?? job.state)));
}

function measurePage() {
  return async(() => api.get('/rasters', { limit: 200 }), (page) => {
    const readable = page.items.filter((r) => r.boundsWgs84);
    // Imagery to measure on; cloud masks (as the season catalogue names them) are offered first as masks.
    const rasters = readable.filter((r) => !r.cloudMask);
    if (rasters.length === 0) {
      return h('p', { class: 'card' }, tx('measure.noRasters', { geotiff: h('code', {}, 'GeoTIFF'), folder: h('code', {}, 'rasters/'), setting: h('code', {}, 'Cloud:Rasters') }));
    }
    const option = (r) => h('option', { value: r.path, translate: 'no' }, r.path);
    const raster = h('select', { id: 'raster', name: 'raster', required: true }, rasters.map(option));
    const date = h('select', { id: 'date', name: 'date' });
    const dates = () => {
      const chosen = rasters.find((r) => r.path === raster.value);
      const choices = acquisitionChoices(chosen?.acquisitions ?? []);
      // A stack of many dates has no "only date": the host needs one; the latest is the likeliest wanted.
      fill(date, choices.length > 1 ? null : h('option', { value: '' }, t('measure.anyDate')),
        choices.map((a, i) => h('option', { value: a.date, selected: i === choices.length - 1 }, a.label)));
    };
    raster.addEventListener('change', dates);
    dates();
    const clouds = h('select', { id: 'clouds', name: 'clouds' },
      h('option', { value: '' }, t('measure.noClouds')), [...readable.filter((r) => r.cloudMask), ...rasters].map(option));
    const min = h('input', { id: 'min', name: 'min', type: 'number', step: '0.01', min: '-1', max: '1', value: '0.5', 'aria-describedby': 'min-hint' });
    const which = h('select', { id: 'which', name: 'which' },
      h('option', { value: 'unmeasured' }, t('measure.unmeasured')),
      h('option', { value: 'farmer' }, t('measure.farmer')),
      h('option', { value: 'ids' }, t('measure.ids')));
    const farmer = h('input', { id: 'farmer', name: 'farmer', autocomplete: 'off' });
    const ids = h('textarea', { id: 'ids', name: 'ids', rows: 3, 'aria-describedby': 'ids-hint' });
    const progress = h('div', { 'aria-live': 'polite' });
    const done = h('div');
    const submit = h('button', { type: 'submit', class: 'primary' }, t('measure.start'));
    const form = h('form', {
      class: 'card',
      onsubmit: async (e) => {
        e.preventDefault();
        const body = { raster: raster.value, date: date.value || null, clouds: clouds.value || null, min: min.value === '' ? null : Number(min.value) };
        if (which.value === 'unmeasured') body.unmeasured = true;
        else if (which.value === 'farmer') body.farmerId = farmer.value.trim();
        else body.plotIds = ids.value.split(/[\s,]+/).filter(Boolean);
        submit.disabled = true;
        fill(done);
        try {
          const job = await api.post('/plots/measurements', body);
          fill(progress, jobProgress(job.id, (finished) => {
            submit.disabled = false;
            fill(done, results(finished));
          }, {
            onFail: (failed) => {
              submit.disabled = false;
              fill(progress, failure(failed));
            },
          }));
        } catch (error) {
          submit.disabled = false;
          fill(progress, errorBox(error, 'error.refused'));
        }
      },
    },
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'raster' }, t('measure.raster')), raster),
      h('div', {}, h('label', { for: 'date' }, t('measure.date')), date),
      h('div', {}, h('label', { for: 'clouds' }, t('measure.clouds')), clouds),
      h('div', {}, h('label', { for: 'min' }, t('measure.min')), min, h('span', { id: 'min-hint', class: 'muted' }, t('measure.minHint')))),
    h('div', { class: 'row' },
      h('div', {}, h('label', { for: 'which' }, t('measure.which')), which),
      h('div', {}, h('label', { for: 'farmer' }, t('measure.farmerId')), farmer),
      h('div', {}, h('label', { for: 'ids' }, t('measure.plotIds')), ids, h('span', { id: 'ids-hint', class: 'muted' }, t('measure.idsHint')))),
    h('p', {}, submit));
    return h('div', {}, h('p', {}, t('measure.explain')), form, progress, done);
  });
}

export default {
  pages: [{ path: '/measure', title: 'measure.title', nav: 12, roles: ['underwriter'], render: measurePage }],
  text: {
    en: {
      'measure.title': 'Measure plots',
      'measure.explain': 'Measures many plots on one raster in the background; you may leave this page and others keep working.',
      'measure.raster': 'Raster',
      'measure.date': 'Acquisition',
      'measure.anyDate': 'The raster’s only date',
      'measure.noRasters': 'The host holds no raster to measure on yet: an operator puts {geotiff} files in the cloud folder’s {folder} (setting {setting}).',
      'measure.why.plotId': 'No such plot: none of this insurer’s plots has this id.',
      'measure.why.raster': 'Not on this raster: the plot lies outside it, or the file cannot be read.',
      'measure.why.other': 'Refused: {field}.',
      'measure.failed': 'The job stopped: nothing more was measured',
      'measure.failedField': 'The host refused what the form gives as “{field}” for these plots; change it and start again.',
      'measure.clouds': 'Cloud mask (same grid)',
      'measure.noClouds': 'None',
      'measure.min': 'Crop when the band is at least',
      'measure.minHint': 'NDVI 0.5 is a common threshold for growing crop',
      'measure.which': 'Plots',
      'measure.unmeasured': 'All never measured',
      'measure.farmer': 'All of one farmer',
      'measure.ids': 'These plot ids',
      'measure.farmerId': 'Farmer id',
      'measure.plotIds': 'Plot ids',
      'measure.idsHint': 'separated by spaces, commas or lines',
      'measure.start': 'Start measuring',
      'measure.results': 'Results',
      'measure.summary': '{measured} of {plots} plots measured in {seconds} s.',
      'measure.firstOnly': 'The first {shown} plots are listed; every plot’s page shows its measurement.',
      'measure.tableCaption': 'Each plot of the job',
      'measure.plot': 'Plot',
      'measure.measuredMu': 'Measured crop area',
      'measure.quality': 'Quality',
      'measure.error': 'Not measured because',
    },
    'zh-CN': {
      'measure.title': '批量测量',
      'measure.explain': '在后台用同一景影像测量多个地块；您可以离开本页，其他用户不受影响。',
      'measure.raster': '栅格影像',
      'measure.date': '成像日期',
      'measure.anyDate': '该影像唯一的日期',
      'measure.noRasters': '主机上还没有可用于测量的影像：请运维人员将 {geotiff} 文件放入云端目录的 {folder}（配置项 {setting}）。',
      'measure.why.plotId': '没有此地块：本保险公司没有这个编号的地块。',
      'measure.why.raster': '不在该影像上：地块位于影像范围之外，或文件无法读取。',
      'measure.why.other': '被拒绝：{field}。',
      'measure.failed': '任务已停止：未再测量其他地块',
      'measure.failedField': '主机拒绝了表单中的“{field}”，请修改后重新开始。',
      'measure.clouds': '云掩膜（同一格网）',
      'measure.noClouds': '无',
      'measure.min': '作物像元阈值（波段值不低于）',
      'measure.minHint': '作物长势常用 NDVI 阈值为 0.5',
      'measure.which': '地块范围',
      'measure.unmeasured': '全部未测量的地块',
      'measure.farmer': '某一农户的全部地块',
      'measure.ids': '指定地块编号',
      'measure.farmerId': '农户编号',
      'measure.plotIds': '地块编号',
      'measure.idsHint': '以空格、逗号或换行分隔',
      'measure.start': '开始测量',
      'measure.results': '测量结果',
      'measure.summary': '共 {plots} 个地块，已测量 {measured} 个，用时 {seconds} 秒。',
      'measure.firstOnly': '仅列出前 {shown} 个地块；每个地块的页面均显示其测量结果。',
      'measure.tableCaption': '本次任务中的每个地块',
      'measure.plot': '地块',
      'measure.measuredMu': '实测作物面积',
      'measure.quality': '质量',
      'measure.error': '未测量原因',
    },
  },
};
