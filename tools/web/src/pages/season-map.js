// The season map: the insurer's plots over the host's own rendering of a raster, each plot coloured by its latest
// measured area against the area the farmer declared; a click (or the table under the map) opens the plot's page.
import { h, fill, verbatim } from '../core/dom.js';
import { t, tx, fmt } from '../core/i18n.js';
import { api, url } from '../core/api.js';
import { go } from '../core/router.js';
import { errorBox, mapView, pagedTable, section, L } from '../core/widgets.js';
import { acquisitionChoices, plotLink } from './plot.js';

/** How many plots the map draws at most (pages of the API's 200); the table under it pages through all of them. */
const mostDrawn = 2000;

/** Measured ÷ declared, in three bands, "not measured", and "not reliable" (a measurement whose imagery was hidden or
 * cut off says nothing of the declaration); colour and words say the same thing. Tested on a plot's properties. */
export const ratioClasses = [
  { key: 'unreliable', colour: '#ef6c00', test: (p) => p.measuredToDeclared !== null && p.quality !== null && p.quality !== undefined && p.quality !== 'ok' },
  { key: 'less', colour: '#c62828', test: (p) => p.measuredToDeclared !== null && p.measuredToDeclared < 0.9 },
  { key: 'close', colour: '#2e7d32', test: (p) => p.measuredToDeclared !== null && p.measuredToDeclared >= 0.9 && p.measuredToDeclared <= 1.1 },
  { key: 'more', colour: '#1565c0', test: (p) => p.measuredToDeclared !== null && p.measuredToDeclared > 1.1 },
  { key: 'none', colour: '#757575', test: (p) => p.measuredToDeclared === null },
];

export const ratioClass = (properties) => ratioClasses.find((c) => c.test({ ...properties, measuredToDeclared: properties.measuredToDeclared ?? null }));

const box = (b) => `${b.getWest()},${b.getSouth()},${b.getEast()},${b.getNorth()}`;
const clampBox = (b) => L.latLngBounds(
  [Math.max(-90, b.getSouth()), Math.max(-180, b.getWest())],
  [Math.min(90, b.getNorth()), Math.min(180, b.getEast())]);

function legend() {
  return h('div', { class: 'legend', role: 'list', 'aria-label': t('seasonMap.legend') },
    ratioClasses.map((c) => {
      const item = h('span', { role: 'listitem' }, t(`seasonMap.ratio.${c.key}`));
      item.style.setProperty('--swatch', c.colour);
      return item;
    }));
}

/** The raster shown first: the most recently acquired. */
function defaultRaster(rasters) {
  const latest = (r) => Math.max(0, ...r.acquisitions.map((a) => Date.parse(a.time)));
  return [...rasters].sort((a, b) => latest(b) - latest(a) || a.path.localeCompare(b.path))[0];
}

/** Why no imagery is offered: the folder holds no raster, or none that is a picture of the ground the host can read
 * (cloud masks are not: they say where clouds were). */
function noImagery(all) {
  const code = (text) => h('code', {}, text);
  return h('p', { class: 'warn', id: 'no-imagery' }, all.length === 0
    ? tx('seasonMap.noRasters', { geotiff: code('GeoTIFF'), folder: code('rasters/'), setting: code('Cloud:Rasters') })
    : tx('seasonMap.noImagery', {
      rasters: fmt.number(all.length, 0),
      masks: fmt.number(all.filter((r) => r.cloudMask).length, 0),
      unreadable: fmt.number(all.filter((r) => !r.cloudMask && !r.boundsWgs84).length, 0),
    }));
}

async function allPlots(bbox) {
  const features = [];
  let total = 0;
  for (let offset = 0; offset < mostDrawn; offset += 200) {
    const page = await api.get('/plots/map', { bbox, offset, limit: 200 });
    features.push(...page.features);
    total = page.total;
    if (features.length >= total) break;
  }
  return { features, total };
}

function seasonMap(ctx) {
  const q = ctx.query;
  const container = h('div', { class: 'map', id: 'season-map', role: 'region', 'aria-label': t('seasonMap.mapLabel') });
  const status = h('p', { role: 'status', 'aria-live': 'polite', class: 'muted' }, t('loading'));
  const controls = h('form', { class: 'row', onsubmit: (e) => e.preventDefault() });
  const tableBox = h('div');
  const page = h('div', {},
    section(t('seasonMap.imagery'), controls, legend(), container, status),
    tableBox);

  // Leaflet needs its container in the document to measure it.
  setTimeout(async () => {
    const map = mapView(container);
    let all;
    try {
      all = (await api.get('/rasters', { limit: 200 })).items;
    } catch (error) {
      fill(status, errorBox(error));
      return;
    }
    // Imagery only: a cloud mask is offered where a mask is asked for (measuring), and a file the host cannot read
    // has no footprint to lay on the map.
    const rasters = all.filter((r) => r.boundsWgs84 && !r.cloudMask);
    const chosen = rasters.find((r) => r.path === q.raster) ?? defaultRaster(rasters);
    const choices = acquisitionChoices(chosen?.acquisitions ?? []);
    const rasterSelect = h('select', { id: 'raster', name: 'raster' },
      rasters.map((r) => h('option', { value: r.path, selected: r === chosen, translate: 'no' }, r.path)));
    const dateSelect = h('select', { id: 'acquisition', name: 'acquisition' },
      choices.map((a, i) => h('option', { value: a.band, selected: q.band ? String(a.band) === q.band : i === choices.length - 1 }, a.label)));
    const change = () => go(ctx.path, { raster: rasterSelect.value, band: dateSelect.value || null }, true);
    rasterSelect.addEventListener('change', () => go(ctx.path, { raster: rasterSelect.value }, true));
    dateSelect.addEventListener('change', change);
    fill(controls, chosen
      ? [h('div', {}, h('label', { for: 'raster' }, t('seasonMap.raster')), rasterSelect),
        choices.length ? h('div', {}, h('label', { for: 'acquisition' }, t('seasonMap.acquisition')), dateSelect) : null]
      : noImagery(all));

    if (chosen) {
      const b = chosen.boundsWgs84;
      const bounds = L.latLngBounds([b.south, b.west], [b.north, b.east]);
      const shown = choices.find((a) => String(a.band) === dateSelect.value);
      L.imageOverlay(url(`/rasters/${chosen.path}/overlay.png`, { band: dateSelect.value || q.band || null, width: 1024 }), bounds, {
        alt: shown ? t('seasonMap.overlayAltOf', { raster: chosen.path, date: shown.label }) : t('seasonMap.overlayAlt', { raster: chosen.path }),
        opacity: 0.9,
      }).addTo(map);
      map.fitBounds(bounds);
    } else {
      map.setView([35, 105], 4);
    }

    const layer = L.geoJSON(null, {
      style: (f) => ({ color: '#111', weight: 2, fillColor: ratioClass(f.properties).colour, fillOpacity: 0.6 }),
      onEachFeature: (f, shape) => {
        const ratio = f.properties.measuredToDeclared;
        shape.bindTooltip(h('span', {}, verbatim(f.id), `: ${ratio === null ? t('seasonMap.ratio.none') : t('seasonMap.ratioIs', { ratio: fmt.percent(ratio, 0) })}`));
        shape.on('click', () => go(`/plots/${encodeURIComponent(f.id)}`));
      },
    }).addTo(map);

    const show = async () => {
      const bbox = box(clampBox(map.getBounds()));
      container.setAttribute('aria-busy', 'true');
      try {
        const { features, total } = await allPlots(bbox);
        layer.clearLayers();
        layer.addData({ type: 'FeatureCollection', features });
        status.textContent = features.length < total
          ? t('seasonMap.someShown', { shown: fmt.number(features.length, 0), total: fmt.number(total, 0) })
          : t('seasonMap.shown', { total: fmt.number(total, 0) });
        fill(tableBox, section(t('seasonMap.plots'), plotTable(ctx, bbox)));
      } catch (error) {
        fill(status, errorBox(error));
      } finally {
        container.removeAttribute('aria-busy');
      }
    };
    map.on('moveend', show);
    await show();
  }, 0);
  return page;
}

/** The plots in view, paged on the server: the map's keyboard- and screen-reader-friendly twin. */
function plotTable(ctx, bbox) {
  return pagedTable({
    caption: t('seasonMap.tableCaption'),
    route: ctx,
    columns: [
      { label: t('seasonMap.plot'), cell: (f) => plotLink(f.id) },
      { label: t('seasonMap.farmer'), cell: (f) => verbatim(f.properties.farmerId) },
      { label: t('seasonMap.declared'), numeric: true, cell: (f) => `${fmt.number(f.properties.declaredMu, 2)} ${t('unit.mu')}` },
      { label: t('seasonMap.measured'), numeric: true, cell: (f) => (f.properties.measuredMu === null ? '—' : `${fmt.number(f.properties.measuredMu, 2)} ${t('unit.mu')}`) },
      { label: t('seasonMap.ratio'), cell: (f) => {
        const r = f.properties.measuredToDeclared;
        return `${r === null ? '' : `${fmt.percent(r, 0)} · `}${t(`seasonMap.ratio.${ratioClass(f.properties).key}`)}`;
      } },
      { label: t('seasonMap.quality'), cell: (f) => (f.properties.quality ? t(`plot.quality.${f.properties.quality}`) : '—') },
      { label: t('seasonMap.acquired'), cell: (f) => fmt.date(f.properties.acquired) },
    ],
    load: async (offset, limit) => {
      const page = await api.get('/plots/map', { bbox, offset, limit });
      return { items: page.features, total: page.total, offset: page.offset, limit: page.limit };
    },
  });
}

export default {
  pages: [{ path: '/map', title: 'seasonMap.title', nav: 10, render: seasonMap }],
  text: {
    en: {
      'seasonMap.title': 'Season map',
      'seasonMap.imagery': 'Plots over the insurer’s imagery',
      'seasonMap.mapLabel': 'Map of the plots; the table below lists the same plots',
      'seasonMap.raster': 'Raster',
      'seasonMap.acquisition': 'Acquisition',
      'seasonMap.overlayAlt': 'Imagery of {raster}',
      'seasonMap.overlayAltOf': 'Imagery of {raster}, acquired {date}',
      'seasonMap.noRasters': 'No imagery to show: the host holds no raster yet. An operator puts {geotiff} files in the cloud folder’s {folder} (setting {setting}); the plots are drawn without imagery meanwhile.',
      'seasonMap.noImagery': 'No imagery to show: of the host’s {rasters} rasters, {masks} are cloud masks (they say where clouds were, not what grows) and {unreadable} cannot be read as georeferenced rasters.',
      'seasonMap.legend': 'Measured area against declared area',
      'seasonMap.ratio.unreliable': 'Not reliable: the imagery hid or cut off the plot',
      'seasonMap.ratio.less': 'Measured under 90 % of declared',
      'seasonMap.ratio.close': 'Measured within 10 % of declared',
      'seasonMap.ratio.more': 'Measured over 110 % of declared',
      'seasonMap.ratio.none': 'Not measured yet',
      'seasonMap.ratioIs': 'measured {ratio} of declared',
      'seasonMap.shown': 'Plots in view: {total}.',
      'seasonMap.someShown': '{shown} of {total} plots in view drawn; zoom in to see the rest.',
      'seasonMap.plots': 'Plots in view',
      'seasonMap.tableCaption': 'Plots in the map’s view, with their measured and declared areas',
      'seasonMap.plot': 'Plot',
      'seasonMap.farmer': 'Farmer',
      'seasonMap.declared': 'Declared',
      'seasonMap.measured': 'Measured',
      'seasonMap.ratio': 'Measured ÷ declared',
      'seasonMap.quality': 'Quality',
      'seasonMap.acquired': 'Image date',
    },
    'zh-CN': {
      'seasonMap.title': '本季地图',
      'seasonMap.imagery': '地块与保险公司自有影像',
      'seasonMap.mapLabel': '地块地图；下方表格列出相同的地块',
      'seasonMap.raster': '栅格影像',
      'seasonMap.acquisition': '成像日期',
      'seasonMap.overlayAlt': '{raster} 的影像',
      'seasonMap.overlayAltOf': '{raster} 的影像，成像于 {date}',
      'seasonMap.noRasters': '没有可显示的影像：主机上还没有栅格影像。请运维人员将 {geotiff} 文件放入云端目录的 {folder}（配置项 {setting}）；在此之前地块在无影像的地图上显示。',
      'seasonMap.noImagery': '没有可显示的影像：主机的 {rasters} 个栅格中，{masks} 个是云掩膜（只标示云的位置，不反映作物），{unreadable} 个无法作为带地理参考的栅格读取。',
      'seasonMap.legend': '实测面积与申报面积之比',
      'seasonMap.ratio.unreliable': '不可靠：影像遮挡或未覆盖地块',
      'seasonMap.ratio.less': '实测不足申报的 90%',
      'seasonMap.ratio.close': '实测与申报相差 10% 以内',
      'seasonMap.ratio.more': '实测超过申报的 110%',
      'seasonMap.ratio.none': '尚未测量',
      'seasonMap.ratioIs': '实测为申报的 {ratio}',
      'seasonMap.shown': '视图内共 {total} 个地块。',
      'seasonMap.someShown': '视图内 {total} 个地块中已绘制 {shown} 个；放大可查看其余地块。',
      'seasonMap.plots': '视图内的地块',
      'seasonMap.tableCaption': '地图视图内的地块及其实测与申报面积',
      'seasonMap.plot': '地块',
      'seasonMap.farmer': '农户',
      'seasonMap.declared': '申报面积',
      'seasonMap.measured': '实测面积',
      'seasonMap.ratio': '实测 ÷ 申报',
      'seasonMap.quality': '质量',
      'seasonMap.acquired': '影像日期',
    },
  },
};
