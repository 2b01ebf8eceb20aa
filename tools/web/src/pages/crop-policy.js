// Issuing a crop policy on a plot's measured acreage: the underwriter states the terms, sees the premium the host
// quotes from the measured mu, and only then confirms; the confirmed policy is anchored on the ledger by the host.
// A crop policy's own page shows what was issued.
import { h, fill, verbatim } from '../core/dom.js';
import { t, tx, fmt } from '../core/i18n.js';
import { api, ApiError } from '../core/api.js';
import { href } from '../core/router.js';
import { async, dl, errorBox, section } from '../core/widgets.js';
import { cropName, crops, plotLink, policiesNotEnded, policyLink, said } from './plot.js';

const isoDay = (d) => d.toISOString().slice(0, 10);

function field(id, label, input, hint) {
  return h('div', {}, h('label', { for: id }, label), input, hint ? h('span', { class: 'muted', id: `${id}-hint` }, hint) : null);
}

/** Where a policy is not in force until its contract is signed, and how to sign it (commands and routes as typed). */
const contract = (key, id) => tx(key, {
  command: h('code', {}, `tools/agri contracts sign ${id} --as farmer`),
  routes: h('code', {}, `/policies/${id}/contract`),
});

/** The crop rules' fields a refusal names that this page words itself. */
const refusedFields = ['start', 'end', 'sumInsuredPerMu', 'ratePerMu', 'currency', 'deductible', 'crop', 'measurementId'];

const links = (ids) => h('span', {}, ids.flatMap((id, i) => [i ? '、' : '', policyLink(id)]));

/** One refused field in the page's words: a plot insured on a day of the cover (409 naming start) or land of another
 * insured plot overlapped (409 naming plotId) lead to the policies in the way. */
function refusedField(status, name, plot) {
  if (status === 409 && name === 'start') {
    // A policy that ended earlier in the same month is in the way too (cover is anchored by month).
    const notEnded = policiesNotEnded(plot.policies);
    return tx('issue.refused.insured', { policies: links((notEnded.length ? notEnded : plot.policies ?? []).map((p) => p.id)) });
  }
  if (status === 409 && name === 'plotId') return tx('issue.refused.overlaps', { policies: links([...new Set((plot.overlaps ?? []).map((o) => o.policy.id))]) });
  return refusedFields.includes(name) ? t(`issue.refused.${name}`) : tx('issue.refused.other', { field: verbatim(name) });
}

/** A refused quote or issue: each field in the page's words, the host's sentence kept beside them. Other failures
 * (not found, no permission, no answer) as every page shows them. */
function refusal(error, plot) {
  if (!(error instanceof ApiError) || ![400, 409, 422].includes(error.status)) return errorBox(error, 'error.refused');
  const names = Object.keys(error.errors);
  const own = h('ul', {}, (names.length ? names : ['']).map((name) => h('li', {}, refusedField(error.status, name, plot))));
  return h('div', { class: 'error', role: 'alert', id: 'refused' }, h('strong', {}, t('error.refused')), said(own, error.message));
}

/** A policy's terms and figures (an issued policy, or the policy page). */
function policyFacts(policy) {
  return dl([
    [t('issue.plot'), plotLink(policy.plotId)],
    [t('issue.farmer'), verbatim(policy.farmerId)],
    [t('issue.crop'), cropName(policy.crop)],
    [t('issue.measured'), fmt.area(policy.measured.m2)],
    [t('issue.measurement'), verbatim(policy.measurementId)],
    [t('issue.perMu'), t('issue.perMuValue', { sum: fmt.money(policy.sumInsuredPerMu), rate: fmt.money(policy.ratePerMu) })],
    [t('issue.sumInsured'), fmt.money(policy.sumInsured)],
    [t('issue.premium'), fmt.money(policy.premium)],
    [t('issue.deductible'), fmt.percent(policy.deductible, 0)],
    [t('issue.cover'), `${fmt.date(policy.start)} – ${fmt.date(policy.end)}`],
    [t('issue.ledger'), String(policy.ledgerEntry)],
    [t('issue.issuedBy'), h('span', {}, verbatim(policy.issuedBy), ` · ${fmt.dateTime(policy.issuedAt)}`)],
  ]);
}

function issuePage(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/plots/${encodeURIComponent(id)}`), (plot) => {
    const ok = plot.latestOkMeasurement;
    const insured = policiesNotEnded(plot.policies);
    // The ledger anchors a plot's cover by month, so a plot is insured once in any month: the default cover starts
    // tomorrow, or on the first day of the month after the plot's cover ends.
    const today = new Date();
    const tomorrow = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
    const after = insured.map((p) => new Date(Date.UTC(Number(p.end.slice(0, 4)), Number(p.end.slice(5, 7)), 1)));
    const start = new Date(Math.max(tomorrow.getTime(), ...after.map((d) => d.getTime())));
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 6, start.getUTCDate()));
    const inputs = {
      crop: h('select', { id: 'crop', name: 'crop', required: true }, crops.map((c) => h('option', { value: c, selected: c === 'maize' }, cropName(c)))),
      sumInsuredPerMu: h('input', { id: 'sumInsuredPerMu', name: 'sumInsuredPerMu', type: 'number', min: '0.01', step: '0.01', required: true, value: '1000' }),
      ratePerMu: h('input', { id: 'ratePerMu', name: 'ratePerMu', type: 'number', min: '0.01', step: '0.01', required: true, value: '30' }),
      deductible: h('input', { id: 'deductible', name: 'deductible', type: 'number', min: '0', max: '0.5', step: '0.01', required: true, value: '0.1', 'aria-describedby': 'deductible-hint' }),
      start: h('input', { id: 'start', name: 'start', type: 'date', required: true, value: isoDay(start) }),
      end: h('input', { id: 'end', name: 'end', type: 'date', required: true, value: isoDay(end) }),
    };
    const terms = () => ({
      plotId: id,
      measurementId: ok?.id,
      crop: inputs.crop.value,
      sumInsuredPerMu: Number(inputs.sumInsuredPerMu.value),
      ratePerMu: Number(inputs.ratePerMu.value),
      currency: 'CNY',
      deductible: Number(inputs.deductible.value),
      start: inputs.start.value,
      end: inputs.end.value,
    });
    const outcome = h('div', { 'aria-live': 'polite' });
    let quoted = null;
    // Any change of the terms withdraws the quote: what is confirmed is always what was shown.
    const withdraw = () => {
      if (quoted) {
        quoted = null;
        fill(outcome, h('p', { class: 'muted' }, t('issue.changed')));
      }
    };
    Object.values(inputs).forEach((input) => input.addEventListener(input.tagName === 'SELECT' ? 'change' : 'input', withdraw));

    const confirm = async (button) => {
      button.disabled = true;
      try {
        const policy = await api.post('/crop-policies', quoted);
        quoted = null;
        fill(outcome, h('div', { class: 'card', role: 'status' },
          h('h2', {}, tx('issue.issued', { id: verbatim(policy.id) })),
          policyFacts(policy),
          h('p', { class: 'warn' }, contract('issue.notInForce', policy.id)),
          h('p', {}, h('a', { href: href(`/crop-policies/${encodeURIComponent(policy.id)}`) }, t('issue.toPolicy')), ' · ',
            h('a', { href: href(`/plots/${encodeURIComponent(id)}`) }, t('issue.backToPlot')))));
      } catch (error) {
        button.disabled = false;
        outcome.append(refusal(error, plot));
      }
    };

    const form = h('form', {
      class: 'card',
      onsubmit: async (e) => {
        e.preventDefault();
        const asked = terms();
        fill(outcome, h('p', { class: 'muted', role: 'status' }, t('issue.quoting')));
        try {
          const quote = await api.post('/crop-policies/quote', asked);
          quoted = { ...asked, measurementId: quote.measurementId };
          const button = h('button', { type: 'button', class: 'primary', id: 'confirm' }, t('issue.confirm'));
          button.addEventListener('click', () => confirm(button));
          fill(outcome, h('section', { class: 'card', 'aria-labelledby': 'quote-heading' },
            h('h2', { id: 'quote-heading' }, t('issue.quote')),
            dl([
              [t('issue.crop'), cropName(quote.crop)],
              [t('issue.measured'), fmt.area(quote.measured.m2)],
              [t('issue.perMu'), t('issue.perMuValue', { sum: fmt.money(quote.sumInsuredPerMu), rate: fmt.money(quote.ratePerMu) })],
              [t('issue.sumInsured'), h('strong', {}, fmt.money(quote.sumInsured))],
              [t('issue.premium'), h('strong', { id: 'premium' }, fmt.money(quote.premium))],
              [t('issue.deductible'), fmt.percent(quote.deductible, 0)],
              [t('issue.cover'), `${fmt.date(quote.start)} – ${fmt.date(quote.end)}`],
            ]),
            h('p', {}, t('issue.confirmExplain')),
            button));
        } catch (error) {
          fill(outcome, refusal(error, plot));
        }
      },
    },
    h('h2', {}, t('issue.terms')),
    h('div', { class: 'row' },
      field('crop', t('issue.crop'), inputs.crop),
      field('sumInsuredPerMu', t('issue.sumPerMu'), inputs.sumInsuredPerMu),
      field('ratePerMu', t('issue.ratePerMu'), inputs.ratePerMu),
      field('deductible', t('issue.deductible'), inputs.deductible, t('issue.deductibleHint'))),
    h('div', { class: 'row' },
      field('start', t('issue.start'), inputs.start),
      field('end', t('issue.end'), inputs.end)),
    h('p', {}, h('button', { type: 'submit' }, t('issue.preview'))));

    return h('div', {},
      h('p', {}, h('a', { href: href(`/plots/${encodeURIComponent(id)}`) }, t('issue.backToPlot'))),
      section(tx('issue.on', { id: verbatim(id) }),
        ok ? dl([
          [t('issue.farmer'), verbatim(plot.farmerId)],
          [t('issue.declared'), fmt.area(plot.declaredArea.m2)],
          [t('issue.measured'), fmt.area(ok.measured.m2)],
          [t('issue.measuredOn'), h('span', {}, `${fmt.date(ok.acquired)} · `, verbatim(ok.raster))],
        ]) : errorBox(new Error(t('issue.noOkMeasurement'))),
        insured.length ? h('p', { class: 'warn', id: 'insured' }, insured.map((p, i) => [i ? ' ' : '',
          tx('issue.insuredUntil', { policy: policyLink(p.id), start: fmt.date(p.start), end: fmt.date(p.end) })])) : null),
      ok ? form : null,
      outcome);
  });
}

function policyPage(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/crop-policies/${encodeURIComponent(id)}`), (policy) => h('div', {},
    h('p', {}, h('a', { href: href(`/plots/${encodeURIComponent(policy.plotId)}`) }, t('issue.backToPlot'))),
    section(tx('policy.heading', { id: verbatim(policy.id) }),
      policyFacts(policy),
      policy.inForce ? h('p', { class: 'ok' }, t('policy.inForce')) : h('p', { class: 'warn' }, contract('policy.contract', policy.id)))));
}

export default {
  pages: [
    { path: '/plots/:id/issue', title: 'issue.title', roles: ['underwriter'], render: issuePage },
    { path: '/crop-policies/:id', title: 'policy.title', render: policyPage },
  ],
  text: {
    en: {
      'issue.title': 'Issue a crop policy',
      'issue.on': 'Plot {id}',
      'issue.notInForce': 'Not in force yet: it pays nothing until the farmer and the insurer sign its contract ({command}, or the API’s {routes} routes).',
      'issue.toPolicy': 'The policy’s page',
      'issue.plot': 'Plot',
      'issue.measurement': 'Measurement priced on',
      'issue.issuedBy': 'Issued by',
      'issue.insuredUntil': 'This plot is insured by policy {policy}, {start} – {end}; a new cover starts in a month after it ends.',
      'issue.refused.insured': 'This plot is insured in a month of this cover already ({policies}): a plot is insured once in any month. Start the cover in a month after that policy ends.',
      'issue.refused.overlaps': 'The outline overlaps land insured by another plot’s policy ({policies}) during this cover.',
      'issue.refused.start': 'The cover must start today or later, and not after its end.',
      'issue.refused.end': 'The cover must end on or after its start.',
      'issue.refused.sumInsuredPerMu': 'The sum insured per mu must be a positive amount.',
      'issue.refused.ratePerMu': 'The premium per mu must be a positive amount in the same currency.',
      'issue.refused.currency': 'The currency is not accepted.',
      'issue.refused.deductible': 'The deductible must be at least 0 and less than 1.',
      'issue.refused.crop': 'Choose a crop.',
      'issue.refused.measurementId': 'The measurement cannot price a policy: it is not of good quality, its measured crop area is too small to price, or it is dated after today.',
      'issue.refused.other': 'Refused: {field}.',
      'policy.title': 'Crop policy',
      'policy.heading': 'Crop policy {id}',
      'policy.contract': 'Not in force: it is in force only once the farmer and the insurer have signed its contract ({command}, then the same as the insurer; or the API’s {routes} routes).',
      'policy.inForce': 'In force: its contract is signed by the farmer and the insurer and anchored on the ledger.',
      'issue.backToPlot': '← Back to the plot',
      'issue.farmer': 'Farmer',
      'issue.declared': 'Declared area',
      'issue.measured': 'Measured crop area (priced on)',
      'issue.measuredOn': 'Measured on',
      'issue.noOkMeasurement': 'This plot has no measurement of good quality: measure it on a clear image first.',
      'issue.terms': 'Terms',
      'issue.crop': 'Crop',
      'issue.sumPerMu': 'Sum insured per mu (CNY)',
      'issue.ratePerMu': 'Premium per mu (CNY)',
      'issue.deductible': 'Deductible (share of the plot)',
      'issue.deductibleHint': '0.1 = 10 %; at most 0.5',
      'issue.start': 'Cover starts',
      'issue.end': 'Cover ends',
      'issue.preview': 'Show the premium',
      'issue.quoting': 'Pricing…',
      'issue.quote': 'What this policy would be',
      'issue.perMu': 'Per mu',
      'issue.perMuValue': '{sum} insured, {rate} premium',
      'issue.sumInsured': 'Sum insured',
      'issue.premium': 'Premium',
      'issue.cover': 'Cover',
      'issue.confirmExplain': 'Nothing is issued yet. Confirming issues the policy on these terms and anchors it on the ledger.',
      'issue.confirm': 'Confirm and issue',
      'issue.changed': 'The terms changed: show the premium again before issuing.',
      'issue.issued': 'Policy {id} issued',
      'issue.ledger': 'Ledger entry',
    },
    'zh-CN': {
      'issue.title': '出具种植险保单',
      'issue.on': '地块 {id}',
      'issue.notInForce': '尚未生效：农户和保险公司签署合同之前不赔付（签署方式：{command}，或调用接口 {routes}）。',
      'issue.toPolicy': '查看保单',
      'issue.plot': '地块',
      'issue.measurement': '定价所依据的测量',
      'issue.issuedBy': '出单人',
      'issue.insuredUntil': '本地块已由保单 {policy} 承保（{start} – {end}）；新的保险期间须从其结束之后的月份开始。',
      'issue.refused.insured': '本地块在该保险期间的某个月份已有保单承保（{policies}）：同一地块每个月只能承保一次。请将保险起期设在该保单结束之后的月份。',
      'issue.refused.overlaps': '地块边界与其他地块已承保的土地重叠（保单 {policies}），且保险期间有重合。',
      'issue.refused.start': '保险起期须为今天或以后，且不晚于止期。',
      'issue.refused.end': '保险止期须不早于起期。',
      'issue.refused.sumInsuredPerMu': '每亩保险金额须为正数。',
      'issue.refused.ratePerMu': '每亩保费须为同一币种的正数。',
      'issue.refused.currency': '不接受该币种。',
      'issue.refused.deductible': '免赔率须不小于 0 且小于 1。',
      'issue.refused.crop': '请选择作物。',
      'issue.refused.measurementId': '该测量不能用于定价：质量不合格、实测作物面积过小无法定价，或成像日期晚于今天。',
      'issue.refused.other': '被拒绝：{field}。',
      'policy.title': '种植险保单',
      'policy.heading': '种植险保单 {id}',
      'policy.contract': '尚未生效：农户和保险公司签署合同后方才生效（签署方式：{command}，再由保险公司同样签署；或调用接口 {routes}）。',
      'policy.inForce': '已生效：合同已由农户和保险公司签署并上链。',
      'issue.backToPlot': '← 返回地块',
      'issue.farmer': '农户',
      'issue.declared': '申报面积',
      'issue.measured': '实测作物面积（定价依据）',
      'issue.measuredOn': '测量依据',
      'issue.noOkMeasurement': '该地块没有质量合格的测量：请先在无云影像上测量。',
      'issue.terms': '保险条件',
      'issue.crop': '作物',
      'issue.sumPerMu': '每亩保险金额（元）',
      'issue.ratePerMu': '每亩保费（元）',
      'issue.deductible': '免赔率（占地块比例）',
      'issue.deductibleHint': '0.1 即 10%，最高 0.5',
      'issue.start': '保险起期',
      'issue.end': '保险止期',
      'issue.preview': '计算保费',
      'issue.quoting': '正在计算…',
      'issue.quote': '保单预览',
      'issue.perMu': '每亩',
      'issue.perMuValue': '保险金额 {sum}，保费 {rate}',
      'issue.sumInsured': '保险金额',
      'issue.premium': '保费',
      'issue.cover': '保险期间',
      'issue.confirmExplain': '尚未出具。确认后将按上述条件出具保单并记入账本。',
      'issue.confirm': '确认出具',
      'issue.changed': '条件已更改：请重新计算保费后再出具。',
      'issue.issued': '保单 {id} 已出具',
      'issue.ledger': '账本条目',
    },
  },
};
