// Issuing a crop policy on a plot's measured acreage: the underwriter states the terms, sees the premium the host
// quotes from the measured mu, and only then confirms; the confirmed policy is anchored on the ledger by the host.
import { h, fill } from '../core/dom.js';
import { t, fmt } from '../core/i18n.js';
import { api } from '../core/api.js';
import { href } from '../core/router.js';
import { async, dl, errorBox, section } from '../core/widgets.js';

const isoDay = (d) => d.toISOString().slice(0, 10);

function field(id, label, input, hint) {
  return h('div', {}, h('label', { for: id }, label), input, hint ? h('span', { class: 'muted', id: `${id}-hint` }, hint) : null);
}

function issuePage(ctx) {
  const id = ctx.params.id;
  return async(() => api.get(`/plots/${encodeURIComponent(id)}`), (plot) => {
    const ok = plot.latestOkMeasurement;
    const today = new Date();
    const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
    const end = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 6, start.getUTCDate()));
    const inputs = {
      crop: h('input', { id: 'crop', name: 'crop', required: true, value: 'maize', autocomplete: 'off' }),
      sumInsuredPerMu: h('input', { id: 'sumInsuredPerMu', name: 'sumInsuredPerMu', type: 'number', min: '0.01', step: '0.01', required: true, value: '1000' }),
      ratePerMu: h('input', { id: 'ratePerMu', name: 'ratePerMu', type: 'number', min: '0.01', step: '0.01', required: true, value: '30' }),
      deductible: h('input', { id: 'deductible', name: 'deductible', type: 'number', min: '0', max: '0.99', step: '0.01', required: true, value: '0.1', 'aria-describedby': 'deductible-hint' }),
      start: h('input', { id: 'start', name: 'start', type: 'date', required: true, value: isoDay(start) }),
      end: h('input', { id: 'end', name: 'end', type: 'date', required: true, value: isoDay(end) }),
    };
    const terms = () => ({
      plotId: id,
      measurementId: ok?.id,
      crop: inputs.crop.value.trim(),
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
    Object.values(inputs).forEach((input) => input.addEventListener('input', withdraw));

    const confirm = async (button) => {
      button.disabled = true;
      try {
        const policy = await api.post('/crop-policies', quoted);
        quoted = null;
        fill(outcome, h('div', { class: 'card', role: 'status' },
          h('h2', {}, t('issue.issued', { id: policy.id })),
          dl([
            [t('issue.measured'), fmt.area(policy.measured.m2)],
            [t('issue.sumInsured'), fmt.money(policy.sumInsured)],
            [t('issue.premium'), fmt.money(policy.premium)],
            [t('issue.cover'), `${fmt.date(policy.start)} – ${fmt.date(policy.end)}`],
            [t('issue.ledger'), String(policy.ledgerEntry)],
          ]),
          h('p', { class: 'warn' }, t('issue.notInForce', { policy: policy.id })),
          h('p', {}, h('a', { href: href(`/plots/${encodeURIComponent(id)}`) }, t('issue.backToPlot')))));
      } catch (error) {
        button.disabled = false;
        outcome.append(errorBox(error, 'error.refused'));
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
          fill(outcome, errorBox(error, 'error.refused'));
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
      section(t('issue.on', { id }),
        ok ? dl([
          [t('issue.farmer'), plot.farmerId],
          [t('issue.declared'), fmt.area(plot.declaredArea.m2)],
          [t('issue.measured'), fmt.area(ok.measured.m2)],
          [t('issue.measuredOn'), `${fmt.date(ok.acquired)} · ${ok.raster}`],
        ]) : errorBox(new Error(t('issue.noOkMeasurement')))),
      ok ? form : null,
      outcome);
  });
}

export default {
  pages: [{ path: '/plots/:id/issue', title: 'issue.title', roles: ['underwriter'], render: issuePage }],
  text: {
    en: {
      'issue.title': 'Issue a crop policy',
      'issue.on': 'Plot {id}',
      'issue.notInForce': 'Not in force yet: it pays nothing until the farmer and the insurer sign its contract (tools/agri contracts sign --policy {policy}, or the API’s /policies/{policy}/contract routes).',
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
      'issue.deductibleHint': '0.1 = 10 %',
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
      'issue.notInForce': '尚未生效：农户和保险公司签署合同之前不赔付（tools/agri contracts sign --policy {policy}，或 API 的 /policies/{policy}/contract 接口）。',
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
      'issue.deductibleHint': '0.1 即 10%',
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
