// Claims pages: the queue of open claims and flagged duplicate enrolments, a livestock death claim (the claim photo
// beside the insured animal's enrolment photos, with the scores the decision rests on), a crop claim (NDVI before and
// after with the damaged cells, and the indemnity arithmetic line by line), a duplicate case, and the decision forms.
// Each decision is the API's: recorded, anchored on the ledger, shown with who decided, when and the ledger entry.
import { h, verbatim } from '../core/dom.js';
import { t, tx, fmt, lang } from '../core/i18n.js';
import { api, url } from '../core/api.js';
import { href, go } from '../core/router.js';
import { async, dl, section, errorBox, pagedTable, hostSaid } from '../core/widgets.js';
import { ref, lifeTimeline, lifeSummary } from './life.js';

const photoWidth = 240;
const mapWidth = 1024;

/** A wire name's label under prefix, or the wire name itself where the dictionary has none (a new rule outcome). */
function named(prefix, value) {
  const key = `${prefix}.${value}`;
  const text = t(key);
  return text === key ? value : text;
}

const canDecide = (ctx) => ctx.me.permissions.includes('decide-claims');

const detailPath = (kind, id) => `/claims/${kind}/${encodeURIComponent(id)}`;

// ---- the queue ----------------------------------------------------------------------------------------------------

function queue(ctx) {
  const { kind = '', status = 'open', q = '' } = ctx.query;
  const field = (id, label, control) => h('div', {}, h('label', { for: id }, label), control);
  const kindSelect = h('select', { id: 'queue-kind', name: 'kind' },
    ['', 'livestock', 'crop', 'duplicate'].map((k) => h('option', { value: k, selected: k === kind }, t(k ? `claims.kind.${k}` : 'claims.queue.allKinds'))));
  const statusSelect = h('select', { id: 'queue-status', name: 'status' },
    ['open', 'decided', 'all'].map((s) => h('option', { value: s, selected: s === status }, t(`claims.queue.status.${s}`))));
  const search = h('input', { id: 'queue-q', name: 'q', type: 'search', value: q, maxlength: 64, autocomplete: 'off' });
  const filters = h('form', {
    class: 'card',
    role: 'search',
    'aria-label': t('claims.queue.filters'),
    onsubmit: (e) => {
      e.preventDefault();
      go('/claims', { kind: kindSelect.value, status: statusSelect.value, q: search.value.trim() }, true);
    },
  },
  h('div', { class: 'row' },
    field('queue-kind', t('claims.queue.kind'), kindSelect),
    field('queue-status', t('claims.queue.status'), statusSelect),
    field('queue-q', t('claims.queue.search'), search),
    h('div', {}, h('button', { type: 'submit', class: 'primary' }, t('claims.queue.apply')))),
  h('p', { class: 'muted' }, t('claims.queue.searchHint')));

  const table = pagedTable({
    caption: t('claims.queue.caption'),
    route: ctx,
    load: (offset, limit) => api.get('/claims-queue', { kind, status: status === 'all' ? null : status, q, offset, limit }),
    columns: [
      { label: t('claims.queue.col.kind'), cell: (r) => t(`claims.kind.${r.kind}`) },
      { label: t('claims.queue.col.id'), cell: (r) => ref(r.id, detailPath(r.kind, r.id)) },
      { label: t('claims.queue.col.subject'), cell: (r) => ref(r.subject) },
      { label: t('claims.queue.col.farmer'), cell: (r) => ref(r.farmerId) },
      { label: t('claims.queue.col.opened'), cell: (r) => fmt.dateTime(r.openedAt) },
      { label: t('claims.queue.col.outcome'), cell: (r) => named('claims.outcome', r.ruleOutcome) },
      { label: t('claims.queue.col.amount'), numeric: true, cell: (r) => fmt.money(r.amount) },
      { label: t('claims.queue.col.state'), cell: (r) => h('span', { class: `badge ${r.open ? 'warn' : 'ok'}` }, named('claims.state', r.state)) },
    ],
  });
  return h('div', {}, filters, table);
}

// ---- pieces shared by the claim pages ------------------------------------------------------------------------------

function photo(src, caption, alt) {
  return h('figure', {},
    h('img', { src, alt, width: photoWidth, height: photoWidth, decoding: 'async' }),
    h('figcaption', {}, caption));
}

/** A ledger proof (RFC 9162 inclusion proof against the tree head the host recomputed from the ledger's content). */
function proofSection(path) {
  return section(t('claims.proof.title'), async(() => api.get(path), (p) => h('div', {},
    h('p', {}, t('claims.proof.explain', { index: p.index, size: p.treeSize })),
    dl([
      [t('claims.proof.index'), String(p.index)],
      [t('claims.proof.kind'), named('claims.ledgerKind', p.kind)],
      [t('claims.proof.recorded'), fmt.dateTime(p.recordedAt)],
      [t('claims.proof.treeSize'), fmt.number(p.treeSize, 0)],
      [t('claims.proof.root'), h('code', {}, p.root)],
      [t('claims.proof.leaf'), h('code', {}, p.leafHash)],
      [t('claims.proof.path'), t('claims.proof.pathLength', { n: p.path.length })],
    ]))));
}

/** The recorded decisions, each with who, when and its ledger entry. */
function decisionsTable(decisions, who) {
  if (!decisions.length) return h('p', { class: 'muted' }, t('claims.decision.none'));
  return h('div', { class: 'table-wrap' }, h('table', { class: 'decisions' },
    h('caption', {}, t('claims.decision.recorded')),
    h('thead', {}, h('tr', {}, [t('claims.decision.verdict'), t(who), t('claims.decision.when'), t('claims.decision.reason'), t('claims.decision.ledger')]
      .map((l, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : null }, l)))),
    h('tbody', {}, decisions.map((d) => h('tr', {},
      h('td', {}, t(`verdict.${d.verdict}`)),
      h('td', {}, verbatim(d.officer ?? d.reviewer)),
      h('td', {}, fmt.dateTime(d.decidedAt)),
      h('td', {}, verbatim(d.reason)),
      h('td', { class: 'num' }, String(d.ledgerEntry)))))));
}

/**
 * The decision form: a verdict among verdicts and a reason, posted to path; shown only to a role that may decide and
 * while the case is open. On success the page is drawn again with the recorded decision.
 */
function decisionForm(ctx, { path, verdicts, open, rulesRefused }) {
  if (!canDecide(ctx)) return h('p', { class: 'muted' }, t('claims.decision.readOnly'));
  if (!open) return h('p', { class: 'muted' }, t('claims.decision.closed'));
  const name = 'verdict';
  const choices = verdicts.filter((v) => !(rulesRefused && v === 'approve'));
  const reason = h('textarea', { id: 'decision-reason', name: 'reason', rows: 3, required: true, maxlength: 2000 });
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form', {
    class: 'decision',
    onsubmit: async (e) => {
      e.preventDefault();
      const chosen = form.querySelector(`input[name=${name}]:checked`);
      message.replaceChildren();
      if (!chosen) {
        message.append(h('p', { class: 'bad', role: 'alert' }, t('claims.decision.pickVerdict')));
        return;
      }
      const submit = form.querySelector('button[type=submit]');
      submit.disabled = true;
      try {
        const recorded = await api.post(path, { verdict: chosen.value, reason: reason.value.trim() });
        message.append(h('p', { class: 'ok', role: 'status' }, tx('claims.decision.done', {
          verdict: t(`verdict.${recorded.verdict}`), who: verbatim(recorded.officer ?? recorded.reviewer), index: recorded.ledgerEntry,
        })));
        ctx.rerender();
      } catch (error) {
        submit.disabled = false;
        message.append(errorBox(error, 'error.refused'));
      }
    },
  },
  h('fieldset', {},
    h('legend', {}, t('claims.decision.verdict')),
    choices.map((v) => h('div', { class: 'choice' },
      h('input', { type: 'radio', id: `verdict-${v}`, name, value: v }),
      h('label', { for: `verdict-${v}`, class: 'inline' }, t(`verdict.${v}`), ' — ', t(`claims.verdictHelp.${v}`))))),
  rulesRefused ? h('p', { class: 'muted' }, t('claims.decision.noApprove')) : null,
  h('label', { for: 'decision-reason' }, t('claims.decision.reason')),
  reason,
  h('p', {}, h('button', { type: 'submit', class: 'primary' }, t('claims.decision.submit'))),
  message);
  return form;
}

function decisionSection(ctx, { decisions, who = 'claims.decision.officer', ...form }) {
  return section(t('claims.decision.title'), decisionsTable(decisions, who), decisionForm(ctx, form));
}

const isOpen = (decisions) => !decisions.some((d) => d.verdict === 'approve' || d.verdict === 'refuse');

// ---- a livestock death claim ---------------------------------------------------------------------------------------

/** Why the rules decided a death claim as they did, in the page's words, from the claim, its evidence and the claim's
 * own life event (its ledger entry, or the claim that holds its key). */
function livestockWhy(claim, ev, own) {
  const animal = ref(ev.animalId);
  if (claim.status === 'accepted') {
    return tx('claims.why.accepted', { animal, score: ev.score === null ? '—' : fmt.number(ev.score, 3), policy: ref(claim.policyId), entry: own?.ledgerEntry ?? '—' });
  }
  const holder = own?.facts.heldBy;
  return tx(holder ? 'claims.why.duplicateOf' : 'claims.why.duplicate',
    { animal, holder: ref(holder, holder && detailPath('livestock', holder)), entry: own?.facts.heldAt ?? '—' });
}

function livestock(ctx) {
  const id = ctx.params.id;
  return async(() => Promise.all([api.get(`/claims/${encodeURIComponent(id)}`), api.get(`/claims/${encodeURIComponent(id)}/evidence`)]), ([claim, ev]) => {
    const margin = ev.margin;
    const own = ev.lifeEvents.find((e) => e.event === 'claim' && e.facts.claim === claim.id);
    const facts = section(t('claims.facts'), dl([
      [t('claims.field.id'), verbatim(claim.id)],
      [t('claims.field.policy'), ref(claim.policyId, `/herds/${encodeURIComponent(claim.policyId)}`)],
      [t('claims.field.animal'), ref(claim.subjectId, `/animals/${encodeURIComponent(claim.subjectId)}`)],
      [t('claims.field.farmer'), ev.farmerId ? ref(ev.farmerId, `/farmers/${encodeURIComponent(ev.farmerId)}`) : '—'],
      [t('claims.field.status'), named('claims.outcome', claim.status)],
      [t('claims.field.why'), [livestockWhy(claim, ev, own), hostSaid(claim.reason)]],
      [t('claims.field.payout'), fmt.money(claim.payout)],
      [t('claims.field.taken'), fmt.dateTime(ev.takenAt)],
      [t('claims.field.where'), t(`claims.where.${ev.latitude >= 0 ? 'n' : 's'}${ev.longitude >= 0 ? 'e' : 'w'}`,
        { lat: fmt.number(Math.abs(ev.latitude), 5), lon: fmt.number(Math.abs(ev.longitude), 5) })],
      [t('claims.field.decided'), fmt.dateTime(claim.decidedAt)],
    ]));
    const photos = section(t('claims.livestock.photos'),
      h('div', { class: 'grid' },
        h('div', {}, h('h3', {}, t('claims.livestock.claimPhotos')), h('div', { class: 'photos' },
          ev.claimPhotos.map((p, i) => photo(url(p, { width: photoWidth }),
            ev.photoScores[i] === undefined ? t('claims.photo', { n: i + 1 }) : t('claims.photoScore', { n: i + 1, score: fmt.number(ev.photoScores[i], 3) }),
            t('claims.livestock.claimPhotoAlt', { n: i + 1 }))))),
        h('div', {}, h('h3', {}, tx('claims.livestock.enrolmentPhotos', { animal: verbatim(ev.animalId) })), h('div', { class: 'photos' },
          ev.enrolmentPhotos.map((p, i) => photo(url(p, { width: photoWidth }), t('claims.photo', { n: i + 1 }), t('claims.livestock.enrolmentPhotoAlt', { n: i + 1, animal: ev.animalId })))))));
    const scores = section(t('claims.livestock.scores'), dl([
      [t('claims.score.fused'), ev.score === null ? '—' : fmt.number(ev.score, 3)],
      [t('claims.score.threshold'), ev.scope ? fmt.number(ev.scope.threshold, 3) : '—'],
      [t('claims.score.scope'), ev.scope ? t('claims.score.scopeOf', { scope: named('claims.scope', ev.scope.scope), size: fmt.number(ev.scope.size, 0) }) : '—'],
      [t('claims.score.margin'), margin === null ? '—' : h('span', { class: margin >= 0 ? 'ok' : 'bad' },
        `${margin >= 0 ? '+' : ''}${fmt.number(margin, 3)} — ${t(margin >= 0 ? 'claims.score.matches' : 'claims.score.noMatch')}`)],
      [t('claims.score.runnerUp'), ev.scope?.runnerUpAnimalId ? [ref(ev.scope.runnerUpAnimalId, `/animals/${encodeURIComponent(ev.scope.runnerUpAnimalId)}`), ` (${fmt.number(ev.scope.runnerUpScore, 3)})`] : '—'],
      [t('claims.score.falseDuplicates'), ev.scope?.expectedFalseDuplicateRate === null || ev.scope?.expectedFalseDuplicateRate === undefined
        ? t('claims.score.notEstimated') : fmt.number(ev.scope.expectedFalseDuplicateRate, 4)],
      [t('claims.score.outcome'), named('claims.capture', ev.outcome)],
    ]));
    const life = section(t('claims.life.title'),
      lifeSummary(ev.lifeEvents, ev.lifeVerified),
      lifeTimeline(ev.lifeEvents));
    const decisions = claim.decisions ?? [];
    return h('div', {}, facts, photos, scores,
      decisionSection(ctx, { decisions, path: `/claims/${encodeURIComponent(id)}/decision`, verdicts: ['approve', 'refuse', 'survey'], open: isOpen(decisions), rulesRefused: claim.status !== 'accepted' }),
      life, claim.status === 'accepted' ? proofSection(`/claims/${encodeURIComponent(id)}/proof`)
        : section(t('claims.proof.title'), h('p', {}, t('claims.proof.noOwnEntry'), ' ', livestockWhy(claim, ev, own))));
  });
}

// ---- a crop claim --------------------------------------------------------------------------------------------------

/** Why the rules decided a crop claim as they did, in the page's words, from its outcome and figures. */
function cropWhy(c) {
  const f = c.figures;
  const vars = {
    damaged: fmt.percent(f.damageShare), deductible: fmt.percent(f.deductible, 0), payout: fmt.money(c.payout ?? f.indemnity), sum: fmt.money(f.sumInsured),
    entry: c.ledgerEntry ?? '—', quality: named('claims.quality', f.quality), hidden: fmt.percent(f.hiddenShare), start: fmt.date(c.eventStart), end: fmt.date(c.eventEnd),
  };
  const key = `claims.cropWhy.${c.outcome}`;
  return t(key) === key ? named('claims.outcome', c.outcome) : t(key, vars);
}

function crop(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/crop-claims/${encodeURIComponent(id)}`), (c) => {
    const f = c.figures;
    const i = c.images;
    const facts = section(t('claims.facts'), dl([
      [t('claims.field.id'), verbatim(c.id)],
      [t('claims.field.policy'), ref(c.policyId, `/crop-policies/${encodeURIComponent(c.policyId)}`)],
      [t('claims.field.plot'), ref(c.plotId, `/plots/${encodeURIComponent(c.plotId)}`)],
      [t('claims.field.peril'), named('claims.peril', c.peril)],
      [t('claims.field.event'), `${fmt.date(c.eventStart)} – ${fmt.date(c.eventEnd)}`],
      [t('claims.field.status'), c.outcome === c.status ? named('claims.outcome', c.status) : `${named('claims.outcome', c.status)} (${named('claims.outcome', c.outcome)})`],
      [t('claims.field.why'), [cropWhy(c), hostSaid(c.reason)]],
      [t('claims.field.filedBy'), verbatim(c.filedBy)],
      [t('claims.field.decided'), fmt.dateTime(c.decidedAt)],
    ]));
    const map = section(t('claims.crop.map'),
      h('p', {}, t('claims.crop.mapExplain', { drop: fmt.number(i.ndviDrop, 2) })),
      h('dl', { class: 'facts' },
        h('dt', {}, t('claims.crop.before')), h('dd', {}, tx('claims.crop.image', { day: fmt.date(i.beforeAcquired), raster: verbatim(i.beforeRaster), band: i.beforeBand })),
        h('dt', {}, t('claims.crop.after')), h('dd', {}, tx('claims.crop.image', { day: fmt.date(i.afterAcquired), raster: verbatim(i.afterRaster), band: i.afterBand })),
        h('dt', {}, t('claims.crop.clouds')), h('dd', {}, i.clouds ? verbatim(i.clouds) : t('claims.crop.noClouds'))),
      h('figure', { class: 'claim-map' },
        h('img', {
          src: url(c.map, { width: mapWidth, lang: lang() }), decoding: 'async', class: 'wide',
          alt: t('claims.crop.mapAlt', { plot: c.plotId, damaged: fmt.percent(f.damageShare), hidden: fmt.percent(f.hiddenShare) }),
        }),
        h('figcaption', {}, t('claims.crop.mapCaption'))));
    const line = (label, value, cls) => h('tr', { class: cls }, h('td', {}, label), h('td', { class: 'num' }, value));
    const arithmetic = section(t('claims.crop.arithmetic'),
      h('table', { class: 'arith' },
        h('caption', {}, t('claims.crop.arithmeticCaption')),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('claims.crop.line')), h('th', { scope: 'col', class: 'num' }, t('claims.crop.value')))),
        h('tbody', {},
          line(t('claims.crop.plotArea'), `${fmt.area(f.plotArea.m2)} · ${fmt.m2(f.plotArea.m2)}`),
          line(t('claims.crop.covered'), fmt.percent(f.coveredShare)),
          line(t('claims.crop.hidden'), fmt.percent(f.hiddenShare)),
          line(t('claims.crop.damaged'), `${fmt.area(f.damaged.m2)} · ${fmt.m2(f.damaged.m2)}`),
          line(t('claims.crop.damageShare'), fmt.percent(f.damageShare, 2)),
          line(t('claims.crop.deductible'), fmt.percent(f.deductible, 2)),
          line(t('claims.crop.payable'), fmt.percent(f.payableShare, 2)),
          line(t('claims.crop.sumInsured'), fmt.money(f.sumInsured)),
          line(t('claims.crop.indemnity'), fmt.money(f.indemnity), 'total'),
          line(t('claims.crop.quality'), named('claims.quality', f.quality)),
          line(t('claims.crop.pays'), fmt.money(c.payout ?? { amount: 0, currency: f.indemnity.currency })))),
      h('p', { class: 'muted' }, t('claims.crop.rounding')),
      h('p', { class: 'muted' }, tx('claims.crop.evidence', { hash: h('code', {}, f.evidence) })));
    const decisions = c.decisions ?? [];
    return h('div', {}, facts, map, arithmetic,
      decisionSection(ctx, { decisions, path: `/crop-claims/${encodeURIComponent(id)}/decision`, verdicts: ['approve', 'refuse', 'survey'], open: isOpen(decisions), rulesRefused: c.status !== 'accepted' }),
      c.status === 'accepted' ? proofSection(`/crop-claims/${encodeURIComponent(id)}/proof`)
        : section(t('claims.proof.title'), h('p', {}, t('claims.proof.refused', { outcome: named('claims.outcome', c.outcome), entry: c.ledgerEntry ?? '—' }))));
  });
}

// ---- a duplicate case ----------------------------------------------------------------------------------------------

function duplicate(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/review/cases/${encodeURIComponent(id)}/evidence`), (ev) => {
    const c = ev.case;
    const scope = ev.scopes.find((s) => s.bestAnimalId === c.matchedAnimalId) ?? ev.scopes[ev.scopes.length - 1];
    const facts = section(t('claims.dup.facts'), dl([
      [t('claims.dup.capture'), verbatim(c.captureId)],
      [t('claims.dup.matched'), ref(c.matchedAnimalId, `/animals/${encodeURIComponent(c.matchedAnimalId)}`)],
      [t('claims.dup.score'), fmt.number(c.score, 3)],
      [t('claims.score.threshold'), scope ? fmt.number(scope.threshold, 3) : '—'],
      [t('claims.score.scope'), scope ? t('claims.score.scopeOf', { scope: named('claims.scope', scope.scope), size: fmt.number(scope.size, 0) }) : '—'],
      [t('claims.dup.farmers'), [ref(c.farmerId, c.farmerId && `/farmers/${encodeURIComponent(c.farmerId)}`), ' / ', ref(c.matchedFarmerId, `/farmers/${encodeURIComponent(c.matchedFarmerId)}`)]],
      [t('claims.dup.taken'), `${fmt.dateTime(c.takenAt)} / ${fmt.dateTime(c.matchedTakenAt)}`],
      [t('claims.dup.distance'), t('claims.dup.metres', { m: fmt.number(c.distanceMetres, 0) })],
    ]));
    const photos = section(t('claims.dup.photos'), h('div', { class: 'grid' },
      h('div', {}, h('h3', {}, t('claims.dup.newPhotos')), h('div', { class: 'photos' },
        ev.photos.map((p, i) => photo(url(p, { width: photoWidth }),
          c.photoScores[i] === undefined ? t('claims.photo', { n: i + 1 }) : t('claims.photoScore', { n: i + 1, score: fmt.number(c.photoScores[i], 3) }),
          t('claims.dup.newPhotoAlt', { n: i + 1 }))))),
      h('div', {}, h('h3', {}, tx('claims.dup.matchedPhotos', { animal: verbatim(c.matchedAnimalId) })), h('div', { class: 'photos' },
        ev.matchedPhotos.map((p, i) => photo(url(p, { width: photoWidth }), t('claims.photo', { n: i + 1 }), t('claims.livestock.enrolmentPhotoAlt', { n: i + 1, animal: c.matchedAnimalId })))))));
    const decisions = c.decision ? [c.decision] : [];
    return h('div', {}, facts, photos, decisionSection(ctx, {
      decisions, who: 'claims.decision.reviewer', path: `/review/cases/${encodeURIComponent(id)}/decision`, verdicts: ['duplicate', 'new-animal'], open: c.open, rulesRefused: false,
    }));
  });
}

export default {
  pages: [
    { path: '/claims', title: 'claims.queue.title', nav: 30, roles: ['claims-officer', 'auditor'], render: queue },
    { path: '/claims/livestock/:id', title: 'claims.livestock.title', render: livestock },
    { path: '/claims/crop/:id', title: 'claims.crop.title', render: crop },
    { path: '/claims/duplicate/:id', title: 'claims.dup.title', render: duplicate },
  ],
  text: {
    en: {
      'claims.queue.title': 'Claims queue',
      'claims.where.ne': '{lat}° N, {lon}° E (WGS84)',
      'claims.where.nw': '{lat}° N, {lon}° W (WGS84)',
      'claims.where.se': '{lat}° S, {lon}° E (WGS84)',
      'claims.where.sw': '{lat}° S, {lon}° W (WGS84)',
      'claims.why.accepted': 'Identified as {animal} (score {score}) on policy {policy}; anchored at ledger entry {entry}.',
      'claims.why.duplicateOf': 'A death claim for {animal} is on the ledger already: claim {holder} (entry {entry}).',
      'claims.why.duplicate': 'A death claim for {animal} is on the ledger already (entry {entry}), filed earlier here or at another insurer.',
      'claims.cropWhy.accepted': '{damaged} damaged, deductible {deductible}: pays {payout} of {sum}; ledger entry {entry}.',
      'claims.cropWhy.duplicate': 'The same claim (this policy, plot, peril and event days) is on the ledger already (entry {entry}).',
      'claims.cropWhy.already-anchored': 'This claim with this evidence was anchored at entry {entry}; it is not paid twice.',
      'claims.cropWhy.quality-not-ok': 'The images are not clear enough ({quality}, {hidden} hidden): a clearer image is needed.',
      'claims.cropWhy.not-in-force': 'The policy is not in force: its contract is not signed by both parties and anchored.',
      'claims.cropWhy.outside-cover': 'The event days ({start} – {end}) are not within the cover.',
      'claims.cropWhy.policy-not-anchored': 'The policy, or its terms as they stand, is not on the ledger.',
      'claims.cropWhy.wrong-policy': 'The assessment is of another policy.',
      'claims.cropWhy.wrong-plot': 'The assessment is of a plot this policy does not insure.',
      'claims.cropWhy.overlaps-paid-claim': 'A claim accepted on this plot (ledger entry {entry}) covers days of this event, under another peril or overlapping days: the loss is paid once.',
      'claims.score.falseDuplicates': 'Expected false-duplicate rate at this scope',
      'claims.score.notEstimated': 'not yet estimated',
      'claims.ledgerKind.claim': 'Claim',
      'claims.ledgerKind.claim-decision': 'Claim decision',
      'claims.ledgerKind.enrolment': 'Enrolment',
      'claims.ledgerKind.policy': 'Policy',
      'claims.ledgerKind.policy-cover': 'Livestock cover',
      'claims.ledgerKind.crop-cover': 'Crop cover',
      'claims.ledgerKind.review': 'Review',
      'claims.ledgerKind.census': 'Census',
      'claims.ledgerKind.model': 'Model',
      'claims.ledgerKind.contract': 'Contract',
      'claims.queue.filters': 'Filter the queue',
      'claims.queue.kind': 'Kind',
      'claims.queue.allKinds': 'All kinds',
      'claims.queue.status': 'Status',
      'claims.queue.status.open': 'Open',
      'claims.queue.status.decided': 'Decided',
      'claims.queue.status.all': 'All',
      'claims.queue.search': 'Search',
      'claims.queue.searchHint': 'Search matches the claim or case id, the animal or plot, and the farmer.',
      'claims.queue.apply': 'Show',
      'claims.queue.caption': 'Claims and flagged duplicate enrolments, newest first',
      'claims.queue.col.kind': 'Kind',
      'claims.queue.col.id': 'Claim or case',
      'claims.queue.col.subject': 'Animal or plot',
      'claims.queue.col.farmer': 'Farmer',
      'claims.queue.col.opened': 'Came in',
      'claims.queue.col.outcome': 'Rules said',
      'claims.queue.col.amount': 'Amount',
      'claims.queue.col.state': 'State',
      'claims.kind.livestock': 'Livestock death',
      'claims.kind.crop': 'Crop loss',
      'claims.kind.duplicate': 'Duplicate enrolment',
      'claims.outcome.accepted': 'Accepted',
      'claims.outcome.refused': 'Refused',
      'claims.outcome.duplicate': 'Duplicate on the ledger',
      'claims.outcome.already-anchored': 'Already anchored',
      'claims.outcome.quality-not-ok': 'Imagery not clear enough',
      'claims.outcome.not-in-force': 'Policy not in force',
      'claims.outcome.outside-cover': 'Outside the cover',
      'claims.outcome.policy-not-anchored': 'Policy not anchored',
      'claims.outcome.duplicate-enrolment': 'Flagged duplicate',
      'claims.outcome.overlaps-paid-claim': 'Days of a paid claim',
      'claims.state.open': 'Open',
      'claims.state.survey': 'Survey sent',
      'claims.state.approve': 'Approved',
      'claims.state.refuse': 'Refused',
      'claims.state.duplicate': 'Confirmed duplicate',
      'claims.state.new-animal': 'New animal',
      'claims.verdictHelp.approve': 'pay the claim',
      'claims.verdictHelp.refuse': 'do not pay it',
      'claims.verdictHelp.survey': 'someone looks first; the claim stays open',
      'claims.verdictHelp.duplicate': 'the same animal enrolled again: nothing is enrolled',
      'claims.verdictHelp.new-animal': 'a different animal after all: it is enrolled',
      'claims.facts': 'The claim',
      'claims.field.id': 'Id',
      'claims.field.policy': 'Policy',
      'claims.field.animal': 'Animal',
      'claims.field.plot': 'Plot',
      'claims.field.farmer': 'Farmer',
      'claims.field.peril': 'Peril',
      'claims.field.event': 'Event',
      'claims.field.status': 'Rules decided',
      'claims.field.why': 'Why',
      'claims.field.payout': 'Payout',
      'claims.field.taken': 'Photo taken',
      'claims.field.where': 'Where',
      'claims.field.filedBy': 'Filed by',
      'claims.field.decided': 'Decided by the rules',
      'claims.photo': 'Photo {n}',
      'claims.photoScore': 'Photo {n}: score {score}',
      'claims.livestock.title': 'Livestock claim',
      'claims.livestock.photos': 'Claim photo and insured animal, side by side',
      'claims.livestock.claimPhotos': 'Claim photos',
      'claims.livestock.enrolmentPhotos': 'Enrolment photos of {animal}',
      'claims.livestock.claimPhotoAlt': 'Face of the dead animal, claim photo {n}',
      'claims.livestock.enrolmentPhotoAlt': 'Face of {animal} at enrolment, photo {n}',
      'claims.livestock.scores': 'Scores',
      'claims.score.fused': 'Fused score',
      'claims.score.threshold': 'Threshold',
      'claims.score.scope': 'Scope',
      'claims.score.scopeOf': '{scope}, {size} animals',
      'claims.score.margin': 'Margin (score − threshold)',
      'claims.score.matches': 'the photos match the insured animal',
      'claims.score.noMatch': 'below the threshold: not the insured animal',
      'claims.score.runnerUp': 'Runner-up',
      'claims.score.outcome': 'Identification',
      'claims.scope.herd': 'Herd',
      'claims.scope.insured': 'Insured animals',
      'claims.scope.farmer': 'Farmer',
      'claims.scope.radius': 'Nearby',
      'claims.scope.registry': 'Whole registry',
      'claims.scope.policy': 'Policy',
      'claims.capture.claim-accepted': 'Identified',
      'claims.capture.claim-refused-no-match': 'Not identified',
      'claims.capture.claim-refused-not-insured': 'Identified, but not insured that day',
      'claims.capture.claim-refused-duplicate': 'Identified; a death claim for it is on the ledger already',
      'claims.capture.stale-model': 'Photos from an out-of-date model',
      'claims.capture.device-time-out-of-range': 'The handheld’s clock is out of range',
      'claims.capture.inconsistent-photos': 'The photos are not of one animal',
      'claims.capture.ledger-refused': 'The ledger refused it',
      'claims.life.title': 'Life of the animal',
      'claims.proof.title': 'Ledger proof',
      'claims.proof.explain': 'Entry {index} is included in the ledger of {size} entries (RFC 9162 inclusion proof against the root recomputed from every entry).',
      'claims.proof.index': 'Entry',
      'claims.proof.kind': 'Kind',
      'claims.proof.recorded': 'Recorded',
      'claims.proof.treeSize': 'Ledger size',
      'claims.proof.root': 'Root hash',
      'claims.proof.leaf': 'Leaf hash',
      'claims.proof.path': 'Audit path',
      'claims.proof.pathLength': '{n} hashes',
      'claims.proof.refused': 'The rules refused this claim ({outcome}); it is not anchored. Ledger entry that refused it: {entry}.',
      'claims.proof.noOwnEntry': 'The ledger refused this claim: it has no ledger entry of its own.',
      'claims.decision.title': 'Decision',
      'claims.decision.recorded': 'Recorded decisions',
      'claims.decision.none': 'No decision yet.',
      'claims.decision.verdict': 'Verdict',
      'claims.decision.officer': 'Claims officer',
      'claims.decision.reviewer': 'Reviewer',
      'claims.decision.when': 'When',
      'claims.decision.reason': 'Reason',
      'claims.decision.ledger': 'Ledger entry',
      'claims.decision.readOnly': 'Your role reads decisions; it does not make them.',
      'claims.decision.closed': 'This case is decided; nothing more is decided on it.',
      'claims.decision.noApprove': 'The rules refused this claim: it can be refused or sent for survey, not approved.',
      'claims.decision.pickVerdict': 'Choose a verdict.',
      'claims.decision.submit': 'Record the decision',
      'claims.decision.done': 'Recorded: {verdict} by {who}, ledger entry {index}.',
      'claims.crop.title': 'Crop claim',
      'claims.crop.map': 'NDVI before and after the event',
      'claims.crop.mapExplain': 'A cell counts as damaged where NDVI fell by at least {drop}; hidden cells (cloud, no data) are not assessed.',
      'claims.crop.before': 'Before',
      'claims.crop.after': 'After',
      'claims.crop.clouds': 'Cloud mask',
      'claims.crop.noClouds': 'none',
      'claims.crop.image': '{day} — {raster}, band {band}',
      'claims.crop.mapAlt': 'Map of plot {plot}: NDVI before and after, {damaged} damaged, {hidden} hidden',
      'claims.crop.mapCaption': 'NDVI before, NDVI after, and the assessment: damaged cells in red, hidden cells hatched, clear cells in light green; the outline is the plot.',
      'claims.crop.arithmetic': 'Indemnity, line by line',
      'claims.crop.arithmeticCaption': 'From the map to the amount paid',
      'claims.crop.line': 'Line',
      'claims.crop.value': 'Value',
      'claims.crop.plotArea': 'Plot area (ground, WGS84)',
      'claims.crop.covered': 'Share inside the images',
      'claims.crop.hidden': 'Hidden share (cloud, no data)',
      'claims.crop.damaged': 'Damaged area',
      'claims.crop.damageShare': 'Damaged share of the plot',
      'claims.crop.deductible': '− Deductible',
      'claims.crop.payable': '= Payable share, max(0, damaged − deductible)',
      'claims.crop.sumInsured': '× Sum insured',
      'claims.crop.indemnity': '= Indemnity',
      'claims.crop.quality': 'Imagery quality',
      'claims.crop.pays': 'Paid, as the rules decided (see why above)',
      'claims.crop.rounding': 'Amounts in yuan, rounded to the fen half to even.',
      'claims.crop.evidence': 'Evidence SHA-256: {hash}',
      'claims.quality.ok': 'Clear',
      'claims.quality.needs-clear-image': 'Needs a clearer image',
      'claims.quality.all-hidden': 'All hidden',
      'claims.quality.partly-outside-raster': 'Partly outside the images',
      'claims.peril.flood': 'Flood',
      'claims.peril.drought': 'Drought',
      'claims.peril.hail': 'Hail',
      'claims.peril.wind': 'Wind',
      'claims.peril.frost': 'Frost',
      'claims.peril.pest': 'Pests',
      'claims.peril.disease': 'Disease',
      'claims.dup.title': 'Duplicate enrolment',
      'claims.dup.facts': 'The flagged enrolment',
      'claims.dup.capture': 'New capture',
      'claims.dup.matched': 'Matched animal',
      'claims.dup.score': 'Fused score',
      'claims.dup.farmers': 'Farmers (new / matched)',
      'claims.dup.taken': 'Taken (new / matched)',
      'claims.dup.distance': 'Distance between the two',
      'claims.dup.metres': '{m} m',
      'claims.dup.photos': 'Both animals, side by side',
      'claims.dup.newPhotos': 'New enrolment photos',
      'claims.dup.newPhotoAlt': 'Face in the new enrolment, photo {n}',
      'claims.dup.matchedPhotos': 'Enrolled animal {animal}',
    },
    'zh-CN': {
      'claims.where.ne': '北纬 {lat}°，东经 {lon}°（WGS84）',
      'claims.where.nw': '北纬 {lat}°，西经 {lon}°（WGS84）',
      'claims.where.se': '南纬 {lat}°，东经 {lon}°（WGS84）',
      'claims.where.sw': '南纬 {lat}°，西经 {lon}°（WGS84）',
      'claims.why.accepted': '识别为 {animal}（得分 {score}），保单 {policy}；已上链，账本条目 {entry}。',
      'claims.why.duplicateOf': '{animal} 的死亡理赔已在账本上：理赔 {holder}（条目 {entry}）。',
      'claims.why.duplicate': '{animal} 的死亡理赔已在账本上（条目 {entry}），此前在本公司或其他保险公司提交。',
      'claims.cropWhy.accepted': '受损 {damaged}，免赔 {deductible}：赔付 {payout}（保额 {sum}）；账本条目 {entry}。',
      'claims.cropWhy.duplicate': '相同的理赔（同一保单、地块、灾因和事件日期）已在账本上（条目 {entry}）。',
      'claims.cropWhy.already-anchored': '此理赔连同该证据已在条目 {entry} 上链，不会重复赔付。',
      'claims.cropWhy.quality-not-ok': '影像不够清晰（{quality}，遮挡 {hidden}）：需要更清晰的影像。',
      'claims.cropWhy.not-in-force': '保单未生效：合同尚未经双方签署并上链。',
      'claims.cropWhy.outside-cover': '事件日期（{start} – {end}）不在保险期间内。',
      'claims.cropWhy.policy-not-anchored': '保单或其现行条款不在账本上。',
      'claims.cropWhy.wrong-policy': '定损针对的是另一张保单。',
      'claims.cropWhy.wrong-plot': '定损针对的地块不在本保单承保范围内。',
      'claims.cropWhy.overlaps-paid-claim': '本地块已受理的一笔理赔（账本条目 {entry}）涵盖本次事件的日期（灾因不同或日期重叠）：同一损失只赔付一次。',
      'claims.score.falseDuplicates': '该范围内的预期误判重复率',
      'claims.score.notEstimated': '尚未估计',
      'claims.ledgerKind.claim': '理赔',
      'claims.ledgerKind.claim-decision': '理赔决定',
      'claims.ledgerKind.enrolment': '登记',
      'claims.ledgerKind.policy': '保单',
      'claims.ledgerKind.policy-cover': '牲畜承保',
      'claims.ledgerKind.crop-cover': '农作物承保',
      'claims.ledgerKind.review': '复核',
      'claims.ledgerKind.census': '清点',
      'claims.ledgerKind.model': '模型',
      'claims.ledgerKind.contract': '合同',
      'claims.queue.title': '理赔队列',
      'claims.queue.filters': '筛选队列',
      'claims.queue.kind': '类别',
      'claims.queue.allKinds': '全部类别',
      'claims.queue.status': '状态',
      'claims.queue.status.open': '待处理',
      'claims.queue.status.decided': '已决定',
      'claims.queue.status.all': '全部',
      'claims.queue.search': '搜索',
      'claims.queue.searchHint': '可搜索理赔或案件编号、牲畜或地块编号以及农户。',
      'claims.queue.apply': '显示',
      'claims.queue.caption': '理赔案件和疑似重复投保，最新的在前',
      'claims.queue.col.kind': '类别',
      'claims.queue.col.id': '理赔或案件',
      'claims.queue.col.subject': '牲畜或地块',
      'claims.queue.col.farmer': '农户',
      'claims.queue.col.opened': '收到时间',
      'claims.queue.col.outcome': '规则结论',
      'claims.queue.col.amount': '金额',
      'claims.queue.col.state': '状态',
      'claims.kind.livestock': '牲畜死亡',
      'claims.kind.crop': '农作物损失',
      'claims.kind.duplicate': '重复投保',
      'claims.outcome.accepted': '已受理',
      'claims.outcome.refused': '已拒绝',
      'claims.outcome.duplicate': '账本上已有相同理赔',
      'claims.outcome.already-anchored': '已上链',
      'claims.outcome.quality-not-ok': '影像不够清晰',
      'claims.outcome.not-in-force': '保单未生效',
      'claims.outcome.outside-cover': '不在保险期间内',
      'claims.outcome.policy-not-anchored': '保单未上链',
      'claims.outcome.duplicate-enrolment': '疑似重复',
      'claims.outcome.overlaps-paid-claim': '与已赔付理赔日期重叠',
      'claims.state.open': '待处理',
      'claims.state.survey': '已派查勘',
      'claims.state.approve': '已批准',
      'claims.state.refuse': '已拒赔',
      'claims.state.duplicate': '确认重复',
      'claims.state.new-animal': '新牲畜',
      'claims.verdictHelp.approve': '赔付此案',
      'claims.verdictHelp.refuse': '不予赔付',
      'claims.verdictHelp.survey': '先派人查看，案件保持待处理',
      'claims.verdictHelp.duplicate': '同一头牲畜再次投保：不予登记',
      'claims.verdictHelp.new-animal': '确是另一头牲畜：予以登记',
      'claims.facts': '案件信息',
      'claims.field.id': '编号',
      'claims.field.policy': '保单',
      'claims.field.animal': '牲畜',
      'claims.field.plot': '地块',
      'claims.field.farmer': '农户',
      'claims.field.peril': '灾因',
      'claims.field.event': '灾害期间',
      'claims.field.status': '规则结论',
      'claims.field.why': '原因',
      'claims.field.payout': '赔款',
      'claims.field.taken': '拍摄时间',
      'claims.field.where': '拍摄地点',
      'claims.field.filedBy': '报案人',
      'claims.field.decided': '规则判定时间',
      'claims.photo': '照片 {n}',
      'claims.photoScore': '照片 {n}：得分 {score}',
      'claims.livestock.title': '牲畜理赔',
      'claims.livestock.photos': '理赔照片与承保牲畜对照',
      'claims.livestock.claimPhotos': '理赔照片',
      'claims.livestock.enrolmentPhotos': '{animal} 的登记照片',
      'claims.livestock.claimPhotoAlt': '死亡牲畜的面部，理赔照片 {n}',
      'claims.livestock.enrolmentPhotoAlt': '{animal} 登记时的面部照片 {n}',
      'claims.livestock.scores': '比对得分',
      'claims.score.fused': '融合得分',
      'claims.score.threshold': '阈值',
      'claims.score.scope': '比对范围',
      'claims.score.scopeOf': '{scope}，共 {size} 头',
      'claims.score.margin': '余量（得分 − 阈值）',
      'claims.score.matches': '照片与承保牲畜一致',
      'claims.score.noMatch': '低于阈值：不是承保的牲畜',
      'claims.score.runnerUp': '次高匹配',
      'claims.score.outcome': '识别结论',
      'claims.scope.herd': '畜群',
      'claims.scope.insured': '承保牲畜',
      'claims.scope.farmer': '农户',
      'claims.scope.radius': '附近',
      'claims.scope.registry': '全部登记',
      'claims.scope.policy': '保单',
      'claims.capture.claim-accepted': '已识别',
      'claims.capture.claim-refused-no-match': '未识别',
      'claims.capture.claim-refused-not-insured': '已识别，但当日未承保',
      'claims.capture.claim-refused-duplicate': '已识别；账本上已有该牲畜的死亡理赔',
      'claims.capture.stale-model': '照片来自过期的模型',
      'claims.capture.device-time-out-of-range': '手持设备时钟超出范围',
      'claims.capture.inconsistent-photos': '照片不属于同一头牲畜',
      'claims.capture.ledger-refused': '账本已拒绝',
      'claims.life.title': '牲畜档案',
      'claims.proof.title': '账本证明',
      'claims.proof.explain': '条目 {index} 包含在共 {size} 条的账本中（RFC 9162 包含证明，对照由全部条目重新计算的根哈希）。',
      'claims.proof.index': '条目',
      'claims.proof.kind': '类型',
      'claims.proof.recorded': '记录时间',
      'claims.proof.treeSize': '账本大小',
      'claims.proof.root': '根哈希',
      'claims.proof.leaf': '叶哈希',
      'claims.proof.path': '审计路径',
      'claims.proof.pathLength': '{n} 个哈希',
      'claims.proof.refused': '规则已拒绝此理赔（{outcome}），未上链。拒绝依据的账本条目：{entry}。',
      'claims.proof.noOwnEntry': '账本已拒绝此理赔：它没有属于自己的账本条目。',
      'claims.decision.title': '决定',
      'claims.decision.recorded': '已记录的决定',
      'claims.decision.none': '尚无决定。',
      'claims.decision.verdict': '结论',
      'claims.decision.officer': '理赔员',
      'claims.decision.reviewer': '复核人',
      'claims.decision.when': '时间',
      'claims.decision.reason': '理由',
      'claims.decision.ledger': '账本条目',
      'claims.decision.readOnly': '您的角色可以查看决定，但不能作出决定。',
      'claims.decision.closed': '此案已有结论，不再作出其他决定。',
      'claims.decision.noApprove': '规则已拒绝此理赔：只能拒赔或派员查勘，不能批准。',
      'claims.decision.pickVerdict': '请选择结论。',
      'claims.decision.submit': '记录决定',
      'claims.decision.done': '已记录：{who} {verdict}，账本条目 {index}。',
      'claims.crop.title': '农作物理赔',
      'claims.crop.map': '灾前灾后 NDVI',
      'claims.crop.mapExplain': 'NDVI 下降至少 {drop} 的像元计为受损；被遮挡的像元（云、无数据）不参与评估。',
      'claims.crop.before': '灾前',
      'claims.crop.after': '灾后',
      'claims.crop.clouds': '云掩膜',
      'claims.crop.noClouds': '无',
      'claims.crop.image': '{day} — {raster}，第 {band} 波段',
      'claims.crop.mapAlt': '地块 {plot} 的地图：灾前灾后 NDVI，受损 {damaged}，遮挡 {hidden}',
      'claims.crop.mapCaption': '依次为灾前 NDVI、灾后 NDVI 和评估结果：受损像元为红色，遮挡像元以斜线表示，未受损像元为浅绿色；轮廓为地块边界。',
      'claims.crop.arithmetic': '赔款逐项计算',
      'claims.crop.arithmeticCaption': '从地图到赔付金额',
      'claims.crop.line': '项目',
      'claims.crop.value': '数值',
      'claims.crop.plotArea': '地块面积（地面，WGS84）',
      'claims.crop.covered': '位于影像内的比例',
      'claims.crop.hidden': '遮挡比例（云、无数据）',
      'claims.crop.damaged': '受损面积',
      'claims.crop.damageShare': '受损占地块比例',
      'claims.crop.deductible': '− 免赔比例',
      'claims.crop.payable': '= 应赔比例：受损减免赔，不低于 0',
      'claims.crop.sumInsured': '× 保险金额',
      'claims.crop.indemnity': '= 赔款',
      'claims.crop.quality': '影像质量',
      'claims.crop.pays': '实付（按规则结论，原因见上）',
      'claims.crop.rounding': '金额单位为元，按银行家舍入法保留到分。',
      'claims.crop.evidence': '证据 SHA-256：{hash}',
      'claims.quality.ok': '清晰',
      'claims.quality.needs-clear-image': '需要更清晰的影像',
      'claims.quality.all-hidden': '全部被遮挡',
      'claims.quality.partly-outside-raster': '部分位于影像外',
      'claims.peril.flood': '洪涝',
      'claims.peril.drought': '干旱',
      'claims.peril.hail': '冰雹',
      'claims.peril.wind': '风灾',
      'claims.peril.frost': '霜冻',
      'claims.peril.pest': '虫害',
      'claims.peril.disease': '病害',
      'claims.dup.title': '重复投保',
      'claims.dup.facts': '疑似重复的登记',
      'claims.dup.capture': '新采集',
      'claims.dup.matched': '匹配的牲畜',
      'claims.dup.score': '融合得分',
      'claims.dup.farmers': '农户（新 / 匹配）',
      'claims.dup.taken': '拍摄时间（新 / 匹配）',
      'claims.dup.distance': '两次拍摄的距离',
      'claims.dup.metres': '{m} 米',
      'claims.dup.photos': '两头牲畜对照',
      'claims.dup.newPhotos': '新登记照片',
      'claims.dup.newPhotoAlt': '新登记的面部照片 {n}',
      'claims.dup.matchedPhotos': '已登记牲畜 {animal}',
    },
  },
};
