// A plot: its outline over the raster it was last measured on (drawn by the host), its measured area and quality,
// the insured plots its outline overlaps with their policies, its policies, and its NDVI through the season.
import { h, svg, verbatim } from '../core/dom.js';
import { t, tx, fmt } from '../core/i18n.js';
import { api, url, ApiError } from '../core/api.js';
import { href } from '../core/router.js';
import { async, dl, section, hostSaid } from '../core/widgets.js';

const qualityClass = (q) => (q === 'ok' ? 'ok' : q === 'needs-clear-image' ? 'warn' : 'bad');
const quality = (q) => (q ? h('span', { class: `badge ${qualityClass(q)}` }, t(`plot.quality.${q}`)) : '—');

/** What the host said, on this page: the page's own words (own), with the host's sentence (English) folded beside them
 * as the text it recorded. */
export function said(own, recorded) {
  if (!recorded) return own;
  return h('span', { class: 'said' }, own,
    hostSaid(recorded));
}

/** The crops the issue form offers, by the wire name a policy records (lower case, English); a policy issued through
 * the API or the CLI may name another crop, shown as written. */
export const crops = ['maize', 'rice', 'wheat', 'soybean', 'potato', 'rapeseed', 'peanut', 'cotton', 'sugarcane', 'sorghum', 'barley', 'tea'];

/** A crop's name in the page's language, or the crop as written when the dictionary has no name for it. */
export function cropName(crop) {
  const key = `crop.${String(crop).toLowerCase()}`;
  const name = t(key);
  return name === key ? verbatim(crop) : name;
}

/**
 * A raster's acquisitions in time order as the host tells them apart: { band, time, date, label }. date is the day
 * (YYYY-MM-DD) or, when several were acquired that day, the day with its 1-based rank (2015-12-08#2), as the measuring
 * and overlay routes take it; label shows the time and the rank for those, so no two read the same.
 */
export function acquisitionChoices(acquisitions) {
  const sorted = [...acquisitions].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  const day = (a) => a.time.slice(0, 10);
  const rank = new Map();
  return sorted.map((a) => {
    const sameDay = sorted.filter((b) => day(b) === day(a)).length;
    const n = (rank.get(day(a)) ?? 0) + 1;
    rank.set(day(a), n);
    return sameDay > 1
      ? { band: a.band, time: a.time, date: `${day(a)}#${n}`, label: t('plot.acquisitionNth', { time: fmt.dateTime(a.time), n }) }
      : { band: a.band, time: a.time, date: day(a), label: fmt.date(a.time) };
  });
}

/** Which cells were counted as crop, in the page's words (the rule as recorded, in English, when the host cannot part it). */
function cropCells(m) {
  const c = m.cropCells;
  if (!c) return h('span', { lang: 'en', translate: 'no' }, m.rule);
  const min = c.min === null ? '' : String(c.min);
  return t(`plot.cells.${c.kind}`, { band: c.band, red: c.red, nir: c.nir, min, classes: (c.classes ?? []).join(', ') });
}

/** Why a measurement's quality is not ok, in the page's words, from its shares. */
function qualityWhy(m) {
  if (m.quality === 'ok' || !m.note) return null;
  const own = t(`plot.why.${m.quality}`, { hidden: fmt.percent(m.hiddenShare), inside: fmt.percent(m.insideShare) });
  return said(own, m.note);
}

function measurementFacts(m) {
  if (!m) return h('p', { class: 'muted' }, t('plot.notMeasured'));
  const why = qualityWhy(m);
  return dl([
    [t('plot.measured'), h('span', {}, h('strong', {}, fmt.area(m.measured.m2)), ` · ${fmt.m2(m.measured.m2)}`)],
    [t('plot.quality'), h('span', {}, quality(m.quality), why ? [' ', why] : '')],
    [t('plot.acquired'), fmt.date(m.acquired)],
    [t('plot.raster'), verbatim(m.raster)],
    [t('plot.rule'), cropCells(m)],
    [t('plot.hidden'), fmt.percent(m.hiddenShare)],
    [t('plot.measuredBy'), h('span', {}, verbatim(m.measuredBy), ` · ${fmt.dateTime(m.measuredAt)}`)],
  ]);
}

/** A link to a crop policy's page, its id as the ledger holds it. */
export const policyLink = (id) => h('a', { href: href(`/crop-policies/${encodeURIComponent(id)}`) }, verbatim(id));

/** A link to a plot's page. */
export const plotLink = (id) => h('a', { href: href(`/plots/${encodeURIComponent(id)}`) }, verbatim(id));

const today = () => new Date().toISOString().slice(0, 10);

/** The plot's policies whose cover has not ended: the host refuses another in any of their months. */
export const policiesNotEnded = (policies) => (policies ?? []).filter((p) => p.end >= today());

function policiesTable(policies) {
  if (!policies.length) return h('p', { class: 'muted' }, t('plot.noPolicies'));
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, t('plot.policiesCaption')),
    h('thead', {}, h('tr', {}, [t('plot.policy'), t('plot.crop'), t('plot.cover'), t('plot.sumInsured'), t('plot.premium')].map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, policies.map((p) => h('tr', {},
      h('td', {}, policyLink(p.id)), h('td', {}, cropName(p.crop)), h('td', {}, `${fmt.date(p.start)} – ${fmt.date(p.end)}`),
      h('td', { class: 'num' }, fmt.money(p.sumInsured)), h('td', { class: 'num' }, fmt.money(p.premium)))))));
}

function overlapsTable(overlaps) {
  if (!overlaps.length) return h('p', { class: 'ok' }, t('plot.noOverlaps'));
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, t('plot.overlapsCaption')),
    h('thead', {}, h('tr', {}, [t('plot.otherPlot'), t('plot.farmer'), t('plot.shared'), t('plot.share'), t('plot.policy'), t('plot.cover')]
      .map((l) => h('th', { scope: 'col' }, l)))),
    h('tbody', {}, overlaps.map((o) => h('tr', {},
      h('td', {}, plotLink(o.plotId)), h('td', {}, verbatim(o.farmerId)),
      h('td', { class: 'num' }, fmt.area(o.shared.m2)), h('td', { class: 'num' }, fmt.percent(o.shareOfPlot)),
      h('td', {}, policyLink(o.policy.id)), h('td', {}, `${fmt.date(o.policy.start)} – ${fmt.date(o.policy.end)}`))))));
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

/** The plot's season, or why there is none: no catalogue (the host lists no season), a catalogue the host cannot read
 * (500), or no such season (400). Those are things to say, not failures of the page. */
async function loadSeason(id) {
  const unavailable = (error) => {
    if (error instanceof ApiError && (error.status === 400 || error.status === 500)) {
      return { unavailable: error.status === 400 ? 'noSuchSeason' : 'catalogue', recorded: error.message };
    }
    throw error;
  };
  let seasons;
  try {
    seasons = await api.get('/seasons');
  } catch (error) {
    return unavailable(error);
  }
  if (seasons.length === 0) return { unavailable: 'noCatalogue' };
  return api.get(`/plots/${encodeURIComponent(id)}/season`).catch(unavailable);
}

function seasonSection(id) {
  return async(() => loadSeason(id), (season) => (season.unavailable
    ? h('p', { class: 'muted', id: 'no-season' }, said(tx(`plot.noSeason.${season.unavailable}`, { file: h('code', {}, 'seasons.json') }), season.recorded))
    : ndviChart(season)));
}

function plotPage(ctx) {
  const id = ctx.params.id;
  const canIssue = ctx.me.permissions.includes('underwrite');
  return async(() => api.get(`/plots/${encodeURIComponent(id)}`), (plot) => {
    const latest = plot.latestMeasurement;
    const picture = latest
      ? h('figure', { class: 'plot-image' },
        h('img', { src: url(`/plots/${encodeURIComponent(id)}/image.png`, { width: 640 }), width: 640, alt: t('plot.imageAlt', { id, raster: latest.raster, date: fmt.date(latest.acquired) }) }),
        h('figcaption', {}, tx('plot.imageCaption', { raster: verbatim(latest.raster), date: fmt.date(latest.acquired) })))
      : h('p', { class: 'muted' }, t('plot.noImage'));
    // A plot insured now or later gets no second policy in those months (the host refuses it): its policy is shown instead.
    const insured = policiesNotEnded(plot.policies);
    const issue = insured.length
      ? h('p', { id: 'insured' }, insured.map((p, i) => [i ? ' ' : '', tx('plot.insuredBy', { policy: policyLink(p.id), start: fmt.date(p.start), end: fmt.date(p.end) })]))
      : canIssue ? h('p', {}, h('a', { class: 'button primary', href: href(`/plots/${encodeURIComponent(id)}/issue`) }, t('plot.issue'))) : null;
    return h('div', {},
      h('p', {}, h('a', { href: href('/map') }, t('plot.backToMap'))),
      h('div', { class: 'grid' },
        section(tx('plot.heading', { id: verbatim(plot.id) }),
          dl([
            [t('plot.farmer'), verbatim(plot.farmerId)],
            [t('plot.declared'), fmt.area(plot.declaredArea.m2)],
            [t('plot.outline'), fmt.area(plot.outlineArea.m2)],
            [t('plot.registered'), h('span', {}, verbatim(plot.registeredBy), ` · ${fmt.dateTime(plot.registeredAt)}`)],
          ]),
          issue),
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

/** Crop names by wire name (see crops). */
const cropNames = {
  en: {
    'crop.maize': 'Maize', 'crop.rice': 'Rice', 'crop.wheat': 'Wheat', 'crop.soybean': 'Soybean', 'crop.potato': 'Potato',
    'crop.rapeseed': 'Rapeseed', 'crop.peanut': 'Peanut', 'crop.cotton': 'Cotton', 'crop.sugarcane': 'Sugarcane',
    'crop.sorghum': 'Sorghum', 'crop.barley': 'Barley', 'crop.tea': 'Tea',
  },
  'zh-CN': {
    'crop.maize': '玉米', 'crop.rice': '水稻', 'crop.wheat': '小麦', 'crop.soybean': '大豆', 'crop.potato': '马铃薯',
    'crop.rapeseed': '油菜', 'crop.peanut': '花生', 'crop.cotton': '棉花', 'crop.sugarcane': '甘蔗',
    'crop.sorghum': '高粱', 'crop.barley': '大麦', 'crop.tea': '茶叶',
  },
};

export default {
  pages: [{ path: '/plots/:id', title: 'plot.title', render: plotPage }],
  text: {
    en: {
      ...qualityNames.en,
      ...cropNames.en,
      'plot.acquisitionNth': '{time} (#{n} of the day)',
      'plot.cells.every-valid-cell': 'Every valid cell of band {band}',
      'plot.cells.band-at-least': 'Band {band} ≥ {min}',
      'plot.cells.band-in-classes': 'Band {band} in classes {classes}',
      'plot.cells.ndvi-at-least': 'NDVI of bands {red} (red) and {nir} (near infrared) ≥ {min}',
      'plot.why.needs-clear-image': '{hidden} of the plot is hidden or invalid, more than allowed',
      'plot.why.all-hidden': 'no cell under the plot can be seen',
      'plot.why.partly-outside-raster': 'only {inside} of the plot lies inside the raster',
      'plot.why.outside-raster': 'the plot lies outside the raster',
      'plot.insuredBy': 'Insured by policy {policy}, {start} – {end}: no second policy covers its months.',
      'plot.noSeason.noCatalogue': 'No season monitoring: the host has no season catalogue ({file} in its raster folder), so no plot is watched through a season.',
      'plot.noSeason.catalogue': 'No season monitoring: the host’s season catalogue ({file}) cannot be read; its operator must correct it.',
      'plot.noSeason.noSuchSeason': 'No season monitoring: the season asked for is not in the host’s catalogue ({file}).',
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
      ...cropNames['zh-CN'],
      'plot.acquisitionNth': '{time}（当日第 {n} 景）',
      'plot.cells.every-valid-cell': '波段 {band} 的全部有效像元',
      'plot.cells.band-at-least': '波段 {band} ≥ {min}',
      'plot.cells.band-in-classes': '波段 {band} 属于类别 {classes}',
      'plot.cells.ndvi-at-least': '由波段 {red}（红光）和 {nir}（近红外）计算的 NDVI ≥ {min}',
      'plot.why.needs-clear-image': '地块 {hidden} 被遮挡或无效，超过允许比例',
      'plot.why.all-hidden': '地块内没有可见像元',
      'plot.why.partly-outside-raster': '地块仅 {inside} 位于影像范围内',
      'plot.why.outside-raster': '地块位于影像范围之外',
      'plot.insuredBy': '已由保单 {policy} 承保（{start} – {end}）：这些月份内不再出具第二份保单。',
      'plot.noSeason.noCatalogue': '无本季长势监测：主机没有季节目录（栅格目录中的 {file}），因此没有地块按季监测。',
      'plot.noSeason.catalogue': '无本季长势监测：主机的季节目录（{file}）无法读取，需由运维人员更正。',
      'plot.noSeason.noSuchSeason': '无本季长势监测：所请求的季节不在主机的目录（{file}）中。',
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
