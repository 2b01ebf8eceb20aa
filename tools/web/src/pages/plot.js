// A plot: its outline over the raster it was last measured on (drawn by the host), its measured area and quality,
// the insured plots its outline overlaps with their policies, its policies, and its NDVI through the season.
import { h, svg } from '../core/dom.js';
import { t, fmt } from '../core/i18n.js';
import { api, url, ApiError } from '../core/api.js';
import { href } from '../core/router.js';
import { async, dl, section } from '../core/widgets.js';

const qualityClass = (q) => (q === 'ok' ? 'ok' : q === 'needs-clear-image' ? 'warn' : 'bad');
const quality = (q) => (q ? h('span', { class: `badge ${qualityClass(q)}` }, t(`plot.quality.${q}`)) : '—');

function measurementFacts(m) {
  if (!m) return h('p', { class: 'muted' }, t('plot.notMeasured'));
  return dl([
    [t('plot.measured'), h('span', {}, h('strong', {}, fmt.area(m.measured.m2)), ` · ${fmt.m2(m.measured.m2)}`)],
    [t('plot.quality'), h('span', {}, quality(m.quality), m.note ? ` ${m.note}` : '')],
    [t('plot.acquired'), fmt.date(m.acquired)],
    [t('plot.raster'), m.raster],
    [t('plot.rule'), m.rule],
    [t('plot.hidden'), fmt.percent(m.hiddenShare)],
    [t('plot.measuredBy'), `${m.measuredBy} · ${fmt.dateTime(m.measuredAt)}`],
  ]);
}

function policiesTable(policies) {
  if (!policies.length) return h('p', { class: 'muted' }, t('plot.noPolicies'));
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, t('plot.policiesCaption')),
    h('thead', {}, h('tr', {}, [t('plot.policy'), t('plot.crop'), t('plot.cover'), t('plot.sumInsured'), t('plot.premium')].map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, policies.map((p) => h('tr', {},
      h('td', {}, p.id), h('td', {}, p.crop), h('td', {}, `${fmt.date(p.start)} – ${fmt.date(p.end)}`),
      h('td', { class: 'num' }, fmt.money(p.sumInsured)), h('td', { class: 'num' }, fmt.money(p.premium)))))));
}

function overlapsTable(overlaps) {
  if (!overlaps.length) return h('p', { class: 'ok' }, t('plot.noOverlaps'));
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, t('plot.overlapsCaption')),
    h('thead', {}, h('tr', {}, [t('plot.otherPlot'), t('plot.farmer'), t('plot.shared'), t('plot.share'), t('plot.policy'), t('plot.cover')]
      .map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, overlaps.map((o) => h('tr', {},
      h('td', {}, h('a', { href: href(`/plots/${encodeURIComponent(o.plotId)}`) }, o.plotId)), h('td', {}, o.farmerId),
      h('td', { class: 'num' }, fmt.area(o.shared.m2)), h('td', { class: 'num' }, fmt.percent(o.shareOfPlot)),
      h('td', {}, o.policy.id), h('td', {}, `${fmt.date(o.policy.start)} – ${fmt.date(o.policy.end)}`))))));
}

/** The season's NDVI as an SVG chart drawn here: the plot's mean on clear dates joined by a line, cloudy dates as
 * hollow grey rings, the neighbours' median dashed, alert dates in red; the same figures in a table beneath. */
export function ndviChart(season) {
  const [w, hgt, left, right, top, bottom] = [720, 280, 48, 16, 16, 40];
  const times = season.dates.map((d) => Date.parse(d.time));
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const x = (time) => left + (t1 === t0 ? 0.5 : (Date.parse(time) - t0) / (t1 - t0)) * (w - left - right);
  const y = (v) => top + (1 - (v + 0.2) / 1.2) * (hgt - top - bottom);
  const ticks = [-0.2, 0, 0.2, 0.4, 0.6, 0.8, 1];
  const clear = season.dates.filter((d) => d.clear && d.meanNdvi !== null);
  const line = (points) => points.map((p, i) => `${i ? 'L' : 'M'}${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ');
  const neighbours = season.dates.filter((d) => d.neighboursNdvi !== null);
  const labelled = [0, Math.floor((season.dates.length - 1) / 2), season.dates.length - 1].filter((v, i, a) => a.indexOf(v) === i);
  const chart = svg('svg', { viewBox: `0 0 ${w} ${hgt}`, class: 'chart', role: 'img', 'aria-labelledby': 'ndvi-title ndvi-desc' },
    svg('title', { id: 'ndvi-title' }, t('plot.curveTitle', { season: season.season })),
    svg('desc', { id: 'ndvi-desc' }, t('plot.curveDesc', { dates: season.dates.length, alerts: season.alerts.length })),
    ticks.map((v) => svg('g', {},
      svg('line', { x1: left, x2: w - right, y1: y(v), y2: y(v), stroke: '#d0d7de' }),
      svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11, fill: '#4f5963' }, fmt.number(v, 1)))),
    labelled.map((i) => svg('text', {
      x: x(season.dates[i].time), y: hgt - 12, 'font-size': 11, fill: '#4f5963',
      // The first and last labels run inwards from their dates, so neither is cut at the chart's edge.
      'text-anchor': i === 0 && season.dates.length > 1 ? 'start' : i === season.dates.length - 1 && i > 0 ? 'end' : 'middle',
    }, fmt.date(season.dates[i].time))),
    neighbours.length ? svg('path', { d: line(neighbours.map((d) => [x(d.time), y(d.neighboursNdvi)])), fill: 'none', stroke: '#6e6e6e', 'stroke-width': 2, 'stroke-dasharray': '6 4' }) : null,
    clear.length ? svg('path', { d: line(clear.map((d) => [x(d.time), y(d.meanNdvi)])), fill: 'none', stroke: '#1976d2', 'stroke-width': 2.5 }) : null,
    season.dates.filter((d) => d.meanNdvi !== null || !d.clear).map((d) => (d.clear
      ? svg('circle', { cx: x(d.time), cy: y(d.meanNdvi), r: d.alert ? 6 : 4, fill: d.alert ? '#d32f2f' : '#1976d2' })
      : svg('circle', { cx: x(d.time), cy: y(d.meanNdvi ?? -0.2), r: 5, fill: 'none', stroke: '#8a8a8a', 'stroke-width': 2 }))));
  const key = h('p', { class: 'legend' }, [['plot.keyPlot', '#1976d2'], ['plot.keyNeighbours', '#6e6e6e'], ['plot.keyCloudy', '#ffffff'], ['plot.keyAlert', '#d32f2f']]
    .map(([label, colour]) => {
      const item = h('span', {}, t(label));
      item.style.setProperty('--swatch', colour);
      return item;
    }));
  const table = h('details', {}, h('summary', {}, t('plot.curveTable')), h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, t('plot.curveTitle', { season: season.season })),
    h('thead', {}, h('tr', {}, [t('plot.date'), t('plot.mean'), t('plot.median'), t('plot.seen'), t('plot.neighbours'), t('plot.state')].map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, season.dates.map((d) => h('tr', {},
      h('td', {}, fmt.date(d.time)),
      h('td', { class: 'num' }, d.meanNdvi === null ? '—' : fmt.number(d.meanNdvi, 2)),
      h('td', { class: 'num' }, d.medianNdvi === null ? '—' : fmt.number(d.medianNdvi, 2)),
      h('td', { class: 'num' }, fmt.percent(d.validShare, 0)),
      h('td', { class: 'num' }, d.neighboursNdvi === null ? '—' : fmt.number(d.neighboursNdvi, 2)),
      h('td', {}, d.alert ? t('plot.stateAlert') : d.clear ? t('plot.stateClear') : t('plot.stateCloudy'))))))));
  const alerts = season.alerts.length
    ? h('ul', { class: 'bad' }, season.alerts.map((a) => h('li', {}, t('plot.alert', { first: fmt.date(a.first), last: fmt.date(a.last), dates: a.dates, gap: fmt.number(-a.worstGapNdvi, 2) }))))
    : h('p', { class: 'ok' }, t('plot.noAlerts'));
  return h('div', {}, h('div', { class: 'chart-wrap' }, chart), key, alerts, table);
}

function seasonSection(id) {
  return async(() => api.get(`/plots/${encodeURIComponent(id)}/season`).catch((error) => {
    // No season catalogue (or no such season) is something to say, not a failure of the page.
    if (error instanceof ApiError && error.status === 400) return { unavailable: error.message };
    throw error;
  }), (season) => (season.unavailable ? h('p', { class: 'muted' }, t('plot.noSeason', { reason: season.unavailable })) : ndviChart(season)));
}

function plotPage(ctx) {
  const id = ctx.params.id;
  const canIssue = ctx.me.permissions.includes('underwrite');
  return async(() => api.get(`/plots/${encodeURIComponent(id)}`), (plot) => {
    const latest = plot.latestMeasurement;
    const picture = latest
      ? h('figure', { class: 'plot-image' },
        h('img', { src: url(`/plots/${encodeURIComponent(id)}/image.png`, { width: 640 }), width: 640, alt: t('plot.imageAlt', { id, raster: latest.raster, date: fmt.date(latest.acquired) }) }),
        h('figcaption', {}, t('plot.imageCaption', { raster: latest.raster, date: fmt.date(latest.acquired) })))
      : h('p', { class: 'muted' }, t('plot.noImage'));
    return h('div', {},
      h('p', {}, h('a', { href: href('/map') }, t('plot.backToMap'))),
      h('div', { class: 'grid' },
        section(t('plot.heading', { id: plot.id }),
          dl([
            [t('plot.farmer'), plot.farmerId],
            [t('plot.declared'), fmt.area(plot.declaredArea.m2)],
            [t('plot.outline'), fmt.area(plot.outlineArea.m2)],
            [t('plot.registered'), `${plot.registeredBy} · ${fmt.dateTime(plot.registeredAt)}`],
          ]),
          canIssue ? h('p', {}, h('a', { class: 'button primary', href: href(`/plots/${encodeURIComponent(id)}/issue`) }, t('plot.issue'))) : null),
        section(t('plot.image'), picture)),
      h('div', { class: 'grid' },
        section(t('plot.latest'), measurementFacts(latest)),
        section(t('plot.latestOk'), measurementFacts(plot.latestOkMeasurement))),
      section(t('plot.overlaps'), overlapsTable(plot.overlaps ?? [])),
      section(t('plot.policies'), policiesTable(plot.policies ?? [])),
      section(t('plot.season'), seasonSection(id)));
  });
}

export const qualityNames = {
  en: {
    'plot.quality.ok': 'OK',
    'plot.quality.needs-clear-image': 'Needs a clear image',
    'plot.quality.all-hidden': 'All hidden',
    'plot.quality.partly-outside-raster': 'Partly outside the raster',
    'plot.quality.outside-raster': 'Outside the raster',
  },
  'zh-CN': {
    'plot.quality.ok': '合格',
    'plot.quality.needs-clear-image': '需要无云影像',
    'plot.quality.all-hidden': '全部被遮挡',
    'plot.quality.partly-outside-raster': '部分超出影像范围',
    'plot.quality.outside-raster': '超出影像范围',
  },
};

export default {
  pages: [{ path: '/plots/:id', title: 'plot.title', render: plotPage }],
  text: {
    en: {
      ...qualityNames.en,
      'plot.title': 'Plot',
      'plot.heading': 'Plot {id}',
      'plot.backToMap': '← Season map',
      'plot.farmer': 'Farmer',
      'plot.declared': 'Declared area',
      'plot.outline': 'Area of the outline as drawn',
      'plot.registered': 'Registered',
      'plot.issue': 'Issue a crop policy',
      'plot.image': 'Outline over the imagery',
      'plot.imageAlt': 'Plot {id} outlined over {raster} of {date}',
      'plot.imageCaption': 'Raster {raster}, acquired {date}; green is growing crop, brown bare soil.',
      'plot.noImage': 'Not measured yet: there is no image to show it on.',
      'plot.latest': 'Latest measurement',
      'plot.latestOk': 'Latest measurement of good quality (what a policy is priced on)',
      'plot.notMeasured': 'None.',
      'plot.measured': 'Measured crop area',
      'plot.quality': 'Quality',
      'plot.acquired': 'Image date',
      'plot.raster': 'Raster',
      'plot.rule': 'Crop cells',
      'plot.hidden': 'Hidden by cloud or no data',
      'plot.measuredBy': 'Measured by',
      'plot.overlaps': 'Insured plots this outline overlaps',
      'plot.overlapsCaption': 'Insured plots sharing ground with this plot, and their policies',
      'plot.noOverlaps': 'The outline overlaps no insured plot.',
      'plot.otherPlot': 'Insured plot',
      'plot.shared': 'Shared area',
      'plot.share': 'Share of this plot',
      'plot.policies': 'Crop policies on this plot',
      'plot.policiesCaption': 'Crop policies issued on this plot',
      'plot.noPolicies': 'No crop policy yet.',
      'plot.policy': 'Policy',
      'plot.crop': 'Crop',
      'plot.cover': 'Cover',
      'plot.sumInsured': 'Sum insured',
      'plot.premium': 'Premium',
      'plot.season': 'NDVI through the season',
      'plot.noSeason': 'No season monitoring: {reason}',
      'plot.curveTitle': 'NDVI of the plot, season {season}',
      'plot.curveDesc': '{dates} acquisitions, {alerts} alerts. The table below gives every figure.',
      'plot.keyPlot': 'Plot mean (clear dates, solid line)',
      'plot.keyNeighbours': 'Neighbours’ median (dashed)',
      'plot.keyCloudy': 'Cloudy date (hollow grey ring)',
      'plot.keyAlert': 'Alert (red dot)',
      'plot.curveTable': 'The figures behind the chart',
      'plot.date': 'Date',
      'plot.mean': 'Mean NDVI',
      'plot.median': 'Median NDVI',
      'plot.seen': 'Seen',
      'plot.neighbours': 'Neighbours’ median',
      'plot.state': 'State',
      'plot.stateAlert': 'Alert',
      'plot.stateClear': 'Clear',
      'plot.stateCloudy': 'Cloudy',
      'plot.alert': 'Alert: {first} to {last}, {dates} clear dates in a row, up to {gap} NDVI below its neighbours.',
      'plot.noAlerts': 'No alert: the plot grew like its neighbours.',
    },
    'zh-CN': {
      ...qualityNames['zh-CN'],
      'plot.title': '地块',
      'plot.heading': '地块 {id}',
      'plot.backToMap': '← 本季地图',
      'plot.farmer': '农户',
      'plot.declared': '申报面积',
      'plot.outline': '所绘边界面积',
      'plot.registered': '登记',
      'plot.issue': '出具种植险保单',
      'plot.image': '影像上的地块边界',
      'plot.imageAlt': '地块 {id} 在 {raster}（{date}）上的边界',
      'plot.imageCaption': '栅格 {raster}，成像于 {date}；绿色为长势作物，棕色为裸土。',
      'plot.noImage': '尚未测量：没有可显示的影像。',
      'plot.latest': '最近一次测量',
      'plot.latestOk': '最近一次质量合格的测量（保单据此定价）',
      'plot.notMeasured': '无。',
      'plot.measured': '实测作物面积',
      'plot.quality': '质量',
      'plot.acquired': '影像日期',
      'plot.raster': '栅格影像',
      'plot.rule': '作物像元规则',
      'plot.hidden': '云层或无数据遮挡比例',
      'plot.measuredBy': '测量人',
      'plot.overlaps': '与本地块边界重叠的已保地块',
      'plot.overlapsCaption': '与本地块有重叠的已保地块及其保单',
      'plot.noOverlaps': '边界未与任何已保地块重叠。',
      'plot.otherPlot': '已保地块',
      'plot.shared': '重叠面积',
      'plot.share': '占本地块比例',
      'plot.policies': '本地块的种植险保单',
      'plot.policiesCaption': '本地块已出具的种植险保单',
      'plot.noPolicies': '尚无种植险保单。',
      'plot.policy': '保单',
      'plot.crop': '作物',
      'plot.cover': '保险期间',
      'plot.sumInsured': '保险金额',
      'plot.premium': '保费',
      'plot.season': '本季 NDVI 长势曲线',
      'plot.noSeason': '无本季长势监测：{reason}',
      'plot.curveTitle': '地块 NDVI，{season} 季',
      'plot.curveDesc': '共 {dates} 次成像，{alerts} 次预警。下表列出全部数值。',
      'plot.keyPlot': '地块均值（无云日期，实线）',
      'plot.keyNeighbours': '邻近地块中位数（虚线）',
      'plot.keyCloudy': '有云日期（灰色空心圆）',
      'plot.keyAlert': '预警（红点）',
      'plot.curveTable': '曲线对应的数值',
      'plot.date': '日期',
      'plot.mean': 'NDVI 均值',
      'plot.median': 'NDVI 中位数',
      'plot.seen': '可见比例',
      'plot.neighbours': '邻近地块中位数',
      'plot.state': '状态',
      'plot.stateAlert': '预警',
      'plot.stateClear': '无云',
      'plot.stateCloudy': '有云',
      'plot.alert': '预警：{first} 至 {last}，连续 {dates} 个无云日期，NDVI 最多低于邻近地块 {gap}。',
      'plot.noAlerts': '无预警：地块长势与邻近地块一致。',
    },
  },
};
