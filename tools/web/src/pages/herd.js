// Herd pages for field supervisors: farmers, a farmer's herds (a herd is a policy's animals), a herd's animals with
// their face crops, an animal's face crops and life on the ledger, and herd censuses run as jobs.
import { h, fill, verbatim } from '../core/dom.js';
import { t, tx, fmt } from '../core/i18n.js';
import { api, url } from '../core/api.js';
import { href, go } from '../core/router.js';
import { async, dl, section, pagedTable, jobProgress, errorBox } from '../core/widgets.js';
import { ref, anchorBadge as anchor, presence, lifeTimeline, lifeSummary } from './life.js';

const outcomes = ['seen', 'not-seen', 'claimed-dead', 'seen-after-death-claim', 'unknown'];
const thumbWidth = 96;
const cropWidth = 192;

const link = (path, text, query) => h('a', { href: href(path, query) }, text);
const yesNo = (value) => t(value ? 'herd.yes' : 'herd.no');
const species = (name) => t(`herd.species.${name}`);
/** Whether the animal is dead and paid (an accepted death claim), with the claim, or alive as far as the ledger knows. */
const dead = (a) => (a.paidDeathClaim
  ? h('span', { class: 'badge muted' }, tx('herd.animal.dead', { claim: ref(a.paidDeathClaim, `/claims/livestock/${encodeURIComponent(a.paidDeathClaim)}`) }))
  : t('herd.animal.alive'));
const score = (value) => (value === null || value === undefined ? '—' : fmt.number(value, 3));

/** A face crop scaled by the host to width pixels (it answers with an ETag, so the browser fetches it once). */
const crop = (path, width, alt) => h('img', { src: url(path, { width }), alt, width, loading: 'lazy', decoding: 'async' });

function outcome(name) {
  const tone = { seen: 'ok', 'not-seen': 'warn', 'seen-after-death-claim': 'bad', 'claimed-dead': 'muted', unknown: 'muted' }[name];
  return h('span', { class: `badge ${tone}` }, presence(name));
}

function farmers(ctx) {
  const q = ctx.query.q ?? '';
  const input = h('input', { id: 'farmer-q', name: 'q', type: 'search', value: q, autocomplete: 'off' });
  const form = h('form', {
    role: 'search',
    onsubmit: (e) => { e.preventDefault(); go(ctx.path, { q: input.value.trim() }, true); },
  }, h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'farmer-q' }, t('herd.farmers.search')), input),
    h('button', { type: 'submit', class: 'primary' }, t('herd.farmers.find'))));
  return h('div', {},
    h('div', { class: 'card' }, form),
    pagedTable({
      caption: q ? tx('herd.farmers.matching', { q: verbatim(q) }) : t('herd.farmers.all'),
      route: ctx,
      load: (offset, limit) => api.get('/farmers', { q, offset, limit }),
      columns: [
        { label: t('herd.farmer.id'), cell: (f) => ref(f.id, `/farmers/${encodeURIComponent(f.id)}`) },
        { label: t('herd.farmer.name'), cell: (f) => verbatim(f.name) },
        { label: t('herd.farmer.region'), cell: (f) => verbatim(f.region) },
      ],
    }));
}

function farmer(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/farmers/${encodeURIComponent(id)}/herds`), (v) => h('div', {},
    section(t('herd.farmer.about'), dl([
      [t('herd.farmer.id'), verbatim(v.farmer.id)],
      [t('herd.farmer.name'), verbatim(v.farmer.name)],
      [t('herd.farmer.region'), verbatim(v.farmer.region)],
      [t('herd.farmer.animals'), fmt.number(v.animals, 0)],
      [t('herd.farmer.uninsured'), fmt.number(v.uninsuredAnimals, 0)],
      [t('herd.farmer.plots'), fmt.number(v.plots, 0)],
      [t('herd.farmer.herds'), fmt.number(v.herds.length, 0)],
    ]), v.herds.length ? h('p', {}, link('/census', t('herd.census.ofFarmer'), { farmer: v.farmer.id })) : null),
    section(t('herd.farmer.herdsTitle'), v.herds.length === 0 ? h('p', { class: 'muted' }, t('herd.farmer.noHerds')) : h('div', { class: 'table-wrap' }, h('table', {},
      h('caption', {}, tx('herd.farmer.herdsCaption', { farmer: verbatim(v.farmer.name) })),
      h('thead', {}, h('tr', {}, [t('herd.policy.id'), t('herd.policy.cover'), t('herd.policy.current'), t('herd.policy.inForce'),
        t('herd.policy.head'), t('herd.policy.visits'), t('herd.policy.lastCensus')].map((label, i) => h('th', { scope: 'col', class: i >= 4 && i <= 5 ? 'num' : null }, label)))),
      h('tbody', {}, v.herds.map((herd) => h('tr', {},
        h('td', {}, ref(herd.policyId, `/herds/${encodeURIComponent(herd.policyId)}`)),
        h('td', {}, t('herd.policy.from', { start: fmt.date(herd.start), end: fmt.date(herd.end) })),
        h('td', {}, yesNo(herd.current)),
        h('td', {}, yesNo(herd.inForce)),
        h('td', { class: 'num' }, fmt.number(herd.animals, 0)),
        h('td', { class: 'num' }, fmt.number(herd.censusVisits, 0)),
        h('td', {}, herd.lastCensus ? fmt.date(herd.lastCensus) : t('herd.policy.never')))))))),
    section(t('herd.farmer.policies'), pagedTable({
      caption: tx('herd.farmer.policiesCaption', { farmer: verbatim(v.farmer.name) }),
      route: ctx,
      param: 'policies',
      pageSize: 10,
      load: (offset, limit) => api.get('/policies', { farmer: v.farmer.id, offset, limit }),
      columns: [
        { label: t('herd.policy.id'), cell: (p) => ref(p.id, `/herds/${encodeURIComponent(p.id)}`) },
        { label: t('herd.policy.head'), cell: (p) => fmt.number(p.animalIds.length, 0), numeric: true },
        { label: t('herd.policy.perHead'), cell: (p) => fmt.money(p.sumInsuredPerHead), numeric: true },
        { label: t('herd.policy.premium'), cell: (p) => fmt.money(p.premium), numeric: true },
        { label: t('herd.policy.cover'), cell: (p) => t('herd.policy.from', { start: fmt.date(p.start), end: fmt.date(p.end) }) },
        { label: t('herd.policy.inForce'), cell: (p) => yesNo(p.inForce) },
      ],
    })),
    v.plots ? section(t('herd.farmer.plotsTitle'), pagedTable({
      caption: tx('herd.farmer.plotsCaption', { farmer: verbatim(v.farmer.name) }),
      route: ctx,
      param: 'plots',
      pageSize: 10,
      load: (offset, limit) => api.get('/plots', { farmer: v.farmer.id, offset, limit }),
      columns: [
        { label: t('herd.plot.id'), cell: (p) => ref(p.id, `/plots/${encodeURIComponent(p.id)}`) },
        { label: t('herd.plot.declared'), cell: (p) => fmt.area(p.declaredArea.m2), numeric: true },
        { label: t('herd.plot.registered'), cell: (p) => fmt.dateTime(p.registeredAt) },
      ],
    })) : null));
}

function herd(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/policies/${encodeURIComponent(id)}`), (p) => h('div', {},
    section(t('herd.herd.about'), dl([
      [t('herd.policy.id'), verbatim(p.id)],
      [t('herd.herd.farmer'), ref(p.farmerId, `/farmers/${encodeURIComponent(p.farmerId)}`)],
      [t('herd.policy.cover'), t('herd.policy.from', { start: fmt.date(p.start), end: fmt.date(p.end) })],
      [t('herd.policy.head'), fmt.number(p.animalIds.length, 0)],
      [t('herd.policy.perHead'), fmt.money(p.sumInsuredPerHead)],
      [t('herd.policy.premium'), fmt.money(p.premium)],
      [t('herd.policy.inForce'), yesNo(p.inForce)],
    ]), h('p', {}, link('/census', t('herd.census.ofHerd'), { policy: p.id }))),
    pagedTable({
      caption: tx('herd.herd.animals', { policy: verbatim(p.id) }),
      route: ctx,
      load: (offset, limit) => api.get(`/policies/${encodeURIComponent(p.id)}/animals`, { offset, limit }),
      columns: [
        { label: t('herd.animal.face'), cell: (a) => (a.crops.length ? crop(a.crops[0], thumbWidth, t('herd.animal.faceOf', { id: a.id, n: 1 })) : '—') },
        { label: t('herd.animal.id'), cell: (a) => ref(a.id, `/animals/${encodeURIComponent(a.id)}`) },
        { label: t('herd.animal.species'), cell: (a) => species(a.species) },
        { label: t('herd.animal.earTag'), cell: (a) => (a.earTag ? verbatim(a.earTag) : '—') },
        { label: t('herd.animal.state'), cell: dead },
        { label: t('herd.animal.photos'), cell: (a) => fmt.number(a.templates, 0), numeric: true },
        { label: t('herd.animal.enrolled'), cell: (a) => fmt.dateTime(a.enrolledAt) },
      ],
    })));
}

function animal(ctx) {
  const id = ctx.params.id;
  const path = `/animals/${encodeURIComponent(id)}`;
  return async(() => Promise.all([api.get(path), api.get(`${path}/history`)]), ([a, life]) => h('div', {},
    section(t('herd.animal.about'), dl([
      [t('herd.animal.id'), verbatim(a.id)],
      [t('herd.herd.farmer'), ref(a.farmerId, `/farmers/${encodeURIComponent(a.farmerId)}`)],
      [t('herd.animal.species'), species(a.species)],
      [t('herd.animal.earTag'), a.earTag ? verbatim(a.earTag) : '—'],
      [t('herd.animal.state'), dead(a)],
      [t('herd.animal.enrolled'), fmt.dateTime(a.enrolledAt)],
      [t('herd.animal.capture'), verbatim(a.enrolledBy)],
      [t('herd.animal.model'), verbatim(a.modelId)],
    ])),
    section(t('herd.animal.faces'), h('div', { class: 'photos' }, a.crops.map((c, i) => h('figure', {},
      crop(c, cropWidth, t('herd.animal.faceOf', { id: a.id, n: i + 1 })),
      h('figcaption', {}, t('herd.animal.photo', { n: i + 1 })))))),
    section(t('herd.life.title'),
      lifeSummary(life.events, life.allVerified),
      h('p', { class: 'muted' }, t('herd.life.size', { size: fmt.number(life.ledgerSize, 0) })),
      h('p', { class: 'muted' }, tx('herd.life.root', { root: h('code', {}, life.ledgerRoot) })),
      life.openDuplicateCases.length ? h('div', {}, h('h3', {}, t('herd.life.open')), h('ul', {}, life.openDuplicateCases.map((c) => h('li', {},
        tx('herd.life.openCase', { capture: ref(c.captureId, `/claims/duplicate/${encodeURIComponent(c.captureId)}`), animal: ref(c.matchedAnimalId), score: fmt.number(c.score, 3) }))))) : null,
      lifeTimeline(life.events))));
}

function censusStart(ctx) {
  const kind = ctx.query.farmer ? 'farmer' : 'policy';
  const today = new Date().toISOString().slice(0, 10);
  const scope = h('select', { id: 'census-scope', name: 'scope' },
    ['policy', 'farmer'].map((k) => h('option', { value: k, selected: k === kind }, t(`herd.census.scope.${k}`))));
  const subject = h('input', { id: 'census-id', name: 'id', required: true, autocomplete: 'off', value: ctx.query.farmer ?? ctx.query.policy ?? '' });
  const asOf = h('input', { id: 'census-asof', name: 'asOf', type: 'date', required: true, value: ctx.query.asOf ?? today });
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form', {
    class: 'card',
    onsubmit: async (e) => {
      e.preventDefault();
      message.replaceChildren();
      const body = { asOf: asOf.value, [scope.value === 'farmer' ? 'farmerId' : 'policyId']: subject.value.trim() };
      try {
        const job = await api.post('/censuses', body);
        go(`/census/${encodeURIComponent(job.id)}`);
      } catch (error) {
        message.append(errorBox(error, 'error.refused'));
      }
    },
  },
  h('p', {}, t('herd.census.explain')),
  h('div', { class: 'row' },
    h('div', {}, h('label', { for: 'census-scope' }, t('herd.census.scope')), scope),
    h('div', {}, h('label', { for: 'census-id' }, t('herd.census.id')), subject),
    h('div', {}, h('label', { for: 'census-asof' }, t('herd.census.asOf')), asOf),
    h('button', { type: 'submit', class: 'primary' }, t('herd.census.start'))),
  message);
  return form;
}

function censusResult(ctx) {
  const id = ctx.params.id;
  const box = h('div', { 'aria-live': 'polite' });
  const show = () => fill(box, async(() => api.get(`/censuses/${encodeURIComponent(id)}`), (s) => censusReport(ctx, id, s)));
  return h('div', {},
    section(t('herd.census.progress'), jobProgress(id, show)),
    box);
}

function censusReport(ctx, id, s) {
  const only = outcomes.includes(ctx.query.outcome) ? ctx.query.outcome : null;
  const filter = h('nav', { class: 'legend', 'aria-label': t('herd.census.filter') },
    link(ctx.path, t('herd.census.all', { n: fmt.number(s.animals, 0) }), {}),
    outcomes.map((o) => (o === only
      ? h('strong', { 'aria-current': 'true' }, `${presence(o)} (${fmt.number(s.counts[o] ?? 0, 0)})`)
      : link(ctx.path, `${presence(o)} (${fmt.number(s.counts[o] ?? 0, 0)})`, { outcome: o }))));
  return h('div', {},
    section(t('herd.census.summary'), dl([
      [t('herd.census.scopeOf'), s.policyId ? ref(s.policyId, `/herds/${encodeURIComponent(s.policyId)}`) : ref(s.farmerId, `/farmers/${encodeURIComponent(s.farmerId)}`)],
      [t('herd.census.asOf'), fmt.date(s.asOf)],
      [t('herd.census.policies'), s.policies.length ? s.policies.flatMap((p, i) => [i ? ', ' : null, ref(p, `/herds/${encodeURIComponent(p)}`)]) : t('herd.census.noPolicies')],
      [t('herd.census.animals'), fmt.number(s.animals, 0)],
      ...outcomes.map((o) => [presence(o), fmt.number(s.counts[o] ?? 0, 0)]),
      [t('herd.census.visits'), s.visits.length ? h('ul', {}, s.visits.map((v) => h('li', {},
        tx('herd.census.visit', { policy: ref(v.policyId, `/herds/${encodeURIComponent(v.policyId)}`), day: fmt.date(v.day), sightings: fmt.number(v.sightings, 0), entry: v.ledgerEntry ?? '—' }), ' ', anchor(v.anchor))))
        : t('herd.census.noVisits')],
      [t('herd.census.anchors'), h('span', { class: s.allVerified ? 'ok' : 'bad' }, t(s.allVerified ? 'herd.census.verified' : 'herd.census.notVerified'))],
    ])),
    section(t('herd.census.results'), filter, pagedTable({
      caption: only ? t('herd.census.captionOf', { outcome: presence(only) }) : t('herd.census.caption'),
      route: ctx,
      load: (offset, limit) => api.get(`/censuses/${encodeURIComponent(id)}/animals`, { outcome: only, offset, limit }),
      columns: [
        { label: t('herd.animal.id'), cell: (a) => ref(a.animalId, `/animals/${encodeURIComponent(a.animalId)}`) },
        { label: t('herd.policy.id'), cell: (a) => ref(a.policyId, `/herds/${encodeURIComponent(a.policyId)}`) },
        { label: t('herd.census.outcome'), cell: (a) => outcome(a.outcome) },
        { label: t('herd.census.evidence'), cell: (a) => (a.evidencePhoto ? verbatim(a.evidencePhoto) : '—') },
        { label: t('herd.census.score'), cell: (a) => score(a.score), numeric: true },
        { label: t('herd.census.visitDay'), cell: (a) => (a.visitDay ? fmt.date(a.visitDay) : '—') },
        { label: t('herd.census.entry'), cell: (a) => (a.ledgerEntry ?? '—'), numeric: true },
        { label: t('herd.census.anchor'), cell: (a) => anchor(a.anchor) },
      ],
    })));
}

export default {
  pages: [
    { path: '/farmers', title: 'herd.farmers.title', nav: 30, render: farmers },
    { path: '/farmers/:id', title: 'herd.farmer.title', render: farmer },
    { path: '/herds/:id', title: 'herd.herd.title', render: herd },
    { path: '/animals/:id', title: 'herd.animal.title', render: animal },
    { path: '/census', title: 'herd.census.title', nav: 31, render: censusStart },
    { path: '/census/:id', title: 'herd.census.resultTitle', render: censusResult },
  ],
  text: {
    en: {
      'herd.yes': 'Yes',
      'herd.no': 'No',
      'herd.species.cattle': 'Cattle',
      'herd.species.buffalo': 'Buffalo',
      'herd.species.sheep': 'Sheep',
      'herd.species.goat': 'Goat',
      'herd.species.pig': 'Pig',
      'herd.species.yak': 'Yak',
      'herd.farmers.title': 'Farmers',
      'herd.farmers.search': 'Search by ID, name or region',
      'herd.farmers.find': 'Search',
      'herd.farmers.all': 'All farmers',
      'herd.farmers.matching': 'Farmers matching “{q}”',
      'herd.farmer.title': 'Farmer',
      'herd.farmer.about': 'Farmer',
      'herd.farmer.id': 'Farmer ID',
      'herd.farmer.name': 'Name',
      'herd.farmer.region': 'Region',
      'herd.farmer.animals': 'Enrolled animals',
      'herd.farmer.uninsured': 'Animals on no policy',
      'herd.farmer.plots': 'Plots',
      'herd.farmer.herds': 'Herds (livestock policies)',
      'herd.farmer.herdsTitle': 'Herds',
      'herd.farmer.herdsCaption': 'Herds of {farmer}: one per livestock policy',
      'herd.farmer.noHerds': 'No livestock policy yet.',
      'herd.farmer.policies': 'Policies',
      'herd.farmer.plotsTitle': 'Plots',
      'herd.farmer.plotsCaption': 'Plots of {farmer}',
      'herd.plot.id': 'Plot',
      'herd.plot.declared': 'Declared area',
      'herd.plot.registered': 'Registered',
      'herd.farmer.policiesCaption': 'Livestock policies of {farmer}',
      'herd.policy.id': 'Policy',
      'herd.policy.cover': 'Cover',
      'herd.policy.from': '{start} to {end}',
      'herd.policy.current': 'Cover holds today',
      'herd.policy.inForce': 'In force (contract signed)',
      'herd.policy.head': 'Head',
      'herd.policy.visits': 'Census visits',
      'herd.policy.lastCensus': 'Last census',
      'herd.policy.never': 'Never',
      'herd.policy.perHead': 'Sum insured per head',
      'herd.policy.premium': 'Premium',
      'herd.herd.title': 'Herd',
      'herd.herd.about': 'Policy',
      'herd.herd.farmer': 'Farmer',
      'herd.herd.animals': 'Animals insured by {policy}',
      'herd.animal.title': 'Animal',
      'herd.animal.about': 'Animal',
      'herd.animal.id': 'Animal ID',
      'herd.animal.face': 'Face',
      'herd.animal.faceOf': 'Face photo {n} of animal {id}',
      'herd.animal.species': 'Species',
      'herd.animal.earTag': 'Ear tag',
      'herd.animal.photos': 'Photos',
      'herd.animal.enrolled': 'Enrolled',
      'herd.animal.capture': 'Enrolment capture',
      'herd.animal.model': 'Face model',
      'herd.animal.faces': 'Face photos',
      'herd.animal.photo': 'Photo {n}',
      'herd.life.title': 'Life on record',
      'herd.life.root': 'Ledger root (RFC 9162): {root}',
      'herd.life.open': 'Flagged enrolments awaiting review',
      'herd.life.size': 'Checked against the ledger of {size} entries.',
      'herd.life.openCase': 'Capture {capture}, flagged as a duplicate of {animal} (score {score}), awaits a reviewer',
      'herd.animal.state': 'State',
      'herd.animal.dead': 'Dead: death claim {claim} paid',
      'herd.animal.alive': 'No death claim paid',
      'herd.census.title': 'Herd census',
      'herd.census.resultTitle': 'Census report',
      'herd.census.explain': 'Which insured animals the latest census visit on or before the day saw, did not see, or never looked at. It runs in the background; you can leave this page.',
      'herd.census.scope': 'Census of',
      'herd.census.scope.policy': 'One herd (policy ID)',
      'herd.census.scope.farmer': 'Every herd of a farmer (farmer ID)',
      'herd.census.id': 'Policy or farmer ID',
      'herd.census.asOf': 'As of',
      'herd.census.start': 'Start census',
      'herd.census.ofFarmer': 'Census of this farmer’s herds',
      'herd.census.ofHerd': 'Census of this herd',
      'herd.census.progress': 'Progress',
      'herd.census.summary': 'Summary',
      'herd.census.scopeOf': 'Census of',
      'herd.census.policies': 'Policies read',
      'herd.census.noPolicies': 'None in cover on that day',
      'herd.census.animals': 'Insured animals',
      'herd.census.visits': 'Visits read',
      'herd.census.visit': '{policy}, {day}: {sightings} sightings, ledger entry {entry}',
      'herd.census.noVisits': 'No census visit yet',
      'herd.census.anchors': 'Ledger anchors',
      'herd.census.verified': 'Every visit verified on the ledger',
      'herd.census.notVerified': 'A visit does not verify on the ledger',
      'herd.census.results': 'Animals',
      'herd.census.filter': 'Filter by outcome',
      'herd.census.all': 'All ({n})',
      'herd.census.caption': 'Every insured animal and what the census found',
      'herd.census.captionOf': 'Insured animals: {outcome}',
      'herd.census.outcome': 'Outcome',
      'herd.census.evidence': 'Evidence photo',
      'herd.census.score': 'Score',
      'herd.census.visitDay': 'Visit',
      'herd.census.entry': 'Ledger entry',
      'herd.census.anchor': 'Anchor',
    },
    'zh-CN': {
      'herd.yes': '是',
      'herd.no': '否',
      'herd.species.cattle': '牛',
      'herd.species.buffalo': '水牛',
      'herd.species.sheep': '绵羊',
      'herd.species.goat': '山羊',
      'herd.species.pig': '猪',
      'herd.species.yak': '牦牛',
      'herd.farmers.title': '农户',
      'herd.farmers.search': '按编号、姓名或地区搜索',
      'herd.farmers.find': '搜索',
      'herd.farmers.all': '全部农户',
      'herd.farmers.matching': '与“{q}”匹配的农户',
      'herd.farmer.title': '农户',
      'herd.farmer.about': '农户信息',
      'herd.farmer.id': '农户编号',
      'herd.farmer.name': '姓名',
      'herd.farmer.region': '地区',
      'herd.farmer.animals': '已登记牲畜',
      'herd.farmer.uninsured': '未投保牲畜',
      'herd.farmer.plots': '地块',
      'herd.farmer.herds': '畜群（养殖险保单）',
      'herd.farmer.herdsTitle': '畜群',
      'herd.farmer.herdsCaption': '{farmer} 的畜群：每张养殖险保单一个',
      'herd.farmer.noHerds': '尚无养殖险保单。',
      'herd.farmer.policies': '保单',
      'herd.farmer.plotsTitle': '地块',
      'herd.farmer.plotsCaption': '{farmer} 的地块',
      'herd.plot.id': '地块',
      'herd.plot.declared': '申报面积',
      'herd.plot.registered': '登记时间',
      'herd.farmer.policiesCaption': '{farmer} 的养殖险保单',
      'herd.policy.id': '保单',
      'herd.policy.cover': '保险期间',
      'herd.policy.from': '{start} 至 {end}',
      'herd.policy.current': '今日在保险期间内',
      'herd.policy.inForce': '已生效（合同已签署）',
      'herd.policy.head': '头数',
      'herd.policy.visits': '清点次数',
      'herd.policy.lastCensus': '最近清点',
      'herd.policy.never': '从未',
      'herd.policy.perHead': '每头保险金额',
      'herd.policy.premium': '保费',
      'herd.herd.title': '畜群',
      'herd.herd.about': '保单',
      'herd.herd.farmer': '农户',
      'herd.herd.animals': '{policy} 承保的牲畜',
      'herd.animal.title': '牲畜',
      'herd.animal.about': '牲畜信息',
      'herd.animal.id': '牲畜编号',
      'herd.animal.face': '面部',
      'herd.animal.faceOf': '牲畜 {id} 的第 {n} 张面部照片',
      'herd.animal.species': '畜种',
      'herd.animal.earTag': '耳标',
      'herd.animal.photos': '照片数',
      'herd.animal.enrolled': '登记时间',
      'herd.animal.capture': '登记采集编号',
      'herd.animal.model': '面部识别模型',
      'herd.animal.faces': '面部照片',
      'herd.animal.photo': '第 {n} 张',
      'herd.life.title': '档案记录',
      'herd.life.root': '账本根哈希（RFC 9162）：{root}',
      'herd.life.open': '待复核的疑似重复登记',
      'herd.life.size': '对照共 {size} 条记录的账本核验。',
      'herd.life.openCase': '采集 {capture} 被标记为 {animal} 的重复（得分 {score}），待复核',
      'herd.animal.state': '状态',
      'herd.animal.dead': '已死亡：死亡理赔 {claim} 已赔付',
      'herd.animal.alive': '无已赔付的死亡理赔',
      'herd.census.title': '畜群清点',
      'herd.census.resultTitle': '清点报告',
      'herd.census.explain': '截至所选日期，最近一次清点见到、未见到或从未清点的承保牲畜。清点在后台运行，您可以离开本页。',
      'herd.census.scope': '清点范围',
      'herd.census.scope.policy': '单个畜群（保单编号）',
      'herd.census.scope.farmer': '农户的全部畜群（农户编号）',
      'herd.census.id': '保单或农户编号',
      'herd.census.asOf': '截至日期',
      'herd.census.start': '开始清点',
      'herd.census.ofFarmer': '清点该农户的畜群',
      'herd.census.ofHerd': '清点该畜群',
      'herd.census.progress': '进度',
      'herd.census.summary': '概要',
      'herd.census.scopeOf': '清点范围',
      'herd.census.policies': '涉及保单',
      'herd.census.noPolicies': '该日无在保保单',
      'herd.census.animals': '承保牲畜',
      'herd.census.visits': '涉及清点',
      'herd.census.visit': '{policy}，{day}：{sightings} 次目击，账本记录 {entry}',
      'herd.census.noVisits': '尚无清点记录',
      'herd.census.anchors': '账本锚定',
      'herd.census.verified': '每次清点均已在账本核验',
      'herd.census.notVerified': '有清点记录未能在账本核验',
      'herd.census.results': '牲畜',
      'herd.census.filter': '按结果筛选',
      'herd.census.all': '全部（{n}）',
      'herd.census.caption': '每头承保牲畜及清点结果',
      'herd.census.captionOf': '承保牲畜：{outcome}',
      'herd.census.outcome': '结果',
      'herd.census.evidence': '证据照片',
      'herd.census.score': '相似度',
      'herd.census.visitDay': '清点日期',
      'herd.census.entry': '账本记录',
      'herd.census.anchor': '锚定',
    },
  },
};
