// An animal's life on the ledger, as the claims pages and the herd pages both show it: each event in the page's own
// words, built from the facts the host returns with it (ids and what people typed kept verbatim), its ledger entry and
// that anchor as checked. No page of its own: it brings the words shared by both (events, anchors, census presence,
// verdicts).
import { h } from '../core/dom.js';
import { t, tx, fmt } from '../core/i18n.js';
import { href } from '../core/router.js';

/** An id as the ledger holds it, linked to its page where there is one. */
export const ref = (id, path) => (id === null || id === undefined ? '—'
  : path ? h('a', { href: href(path), translate: 'no' }, id) : h('span', { translate: 'no' }, id));

const said = (text) => h('q', { translate: 'no' }, text);

/** A census presence (seen, not-seen, claimed-dead, seen-after-death-claim, unknown, not-listed) in words. */
export const presence = (name) => t(`life.presence.${name}`);

/** An anchor's status in words, coloured and marked so colour is not the only signal. */
export function anchorBadge(status) {
  if (!status) return '—';
  // A refused duplicate claim is not anchored, as recorded: neither a tick nor a fault.
  if (status === 'refused') return h('span', { class: 'badge muted' }, t('life.anchor.refused'));
  const good = status === 'verified';
  return h('span', { class: `badge ${good ? 'ok' : 'bad'}` }, `${good ? '✓' : '✗'} ${t(`life.anchor.${status}`)}`);
}

/** What happened, from the event's facts (see LifeEventView on the host for which facts each event has). */
function detail(e) {
  const f = e.facts;
  const policy = ref(f.policy, f.policy && `/herds/${encodeURIComponent(f.policy)}`);
  const claim = ref(f.claim, f.claim && `/claims/livestock/${encodeURIComponent(f.claim)}`);
  switch (e.event) {
    case 'enrolment':
      return tx('life.enrolment', { capture: ref(f.capture), photos: fmt.number(f.photos, 0), farmer: ref(f.farmer, `/farmers/${encodeURIComponent(f.farmer)}`) });
    case 'review':
      return tx(f.capture ? 'life.review.other' : 'life.review.own',
        { capture: ref(f.capture), verdict: t(`verdict.${f.verdict}`), reviewer: ref(f.reviewer), reason: said(f.reason) });
    case 'policy':
      return tx('life.policy', { policy, head: fmt.number(f.head, 0), sum: fmt.money(f.sumInsuredPerHead), premium: fmt.money(f.premium), start: fmt.date(f.start), end: fmt.date(f.end) });
    case 'cover':
      return tx('life.cover', { policy, sum: fmt.money(f.sumInsuredPerHead), start: fmt.date(f.start), end: fmt.date(f.end) });
    case 'census':
      return tx(f.photo ? 'life.census.photo' : 'life.census', { policy, day: fmt.date(f.day), presence: presence(f.presence), photo: ref(f.photo), score: fmt.number(f.score ?? 0, 3) });
    case 'claim':
      if (f.status === 'accepted') return tx('life.claim.accepted', { claim, policy, payout: fmt.money(f.payout), capture: ref(f.evidence) });
      return tx(f.heldBy ? 'life.claim.refusedBy' : 'life.claim.refused',
        { claim, policy, holder: ref(f.heldBy, f.heldBy && `/claims/livestock/${encodeURIComponent(f.heldBy)}`), entry: f.heldAt ?? '—' });
    case 'claim-decision':
      return tx('life.decision', { claim, verdict: t(`verdict.${f.verdict}`), officer: ref(f.officer), reason: said(f.reason) });
    default:
      return t('life.unknown');
  }
}

/** What the anchors say as a whole: all verified (refused claims, which have no entry of their own, counted apart), or not. */
export function lifeSummary(events, allVerified) {
  const refused = events.filter((e) => e.anchor === 'refused').length;
  if (!allVerified) return h('p', { class: 'bad' }, t('life.notVerified'));
  return h('p', { class: 'ok' }, refused ? t('life.verifiedButRefused', { n: events.length - refused, refused }) : t('life.verified'));
}

/** The events as a timeline, oldest first: what, when, in words, and the ledger entry with its anchor checked. */
export function lifeTimeline(events) {
  return h('ol', { class: 'timeline' }, events.map((e) => h('li', {},
    h('strong', {}, t(`life.event.${e.event}`)), ' · ', h('time', { datetime: e.at }, fmt.dateTime(e.at)),
    h('div', {}, detail(e)),
    h('div', { class: 'muted' }, t('life.entry', { entry: e.ledgerEntry ?? '—' }), ' ', anchorBadge(e.anchor)))));
}

export default {
  pages: [],
  text: {
    en: {
      'life.entry': 'Ledger entry {entry}',
      'life.verified': 'Every event is anchored on the ledger as recorded, and its inclusion proof verifies.',
      'life.verifiedButRefused': '{n} events are anchored on the ledger as recorded, each inclusion proof verifies; {refused} refused claim(s) have no ledger entry of their own.',
      'life.notVerified': 'Not every event is on the ledger as recorded: see the marked events.',
      'life.unknown': 'An event this page does not know yet',
      'life.event.enrolment': 'Enrolment',
      'life.event.review': 'Review',
      'life.event.policy': 'Policy',
      'life.event.cover': 'Cover',
      'life.event.census': 'Census visit',
      'life.event.claim': 'Claim',
      'life.event.claim-decision': 'Claim decision',
      'life.enrolment': 'Enrolled from capture {capture} ({photos} photos) for farmer {farmer}',
      'life.review.own': 'Its flagged enrolment was reviewed: {verdict}, by {reviewer}: {reason}',
      'life.review.other': 'Capture {capture}, flagged as a duplicate of it, was reviewed: {verdict}, by {reviewer}: {reason}',
      'life.policy': '{policy}: {head} head × {sum}, premium {premium}, cover {start} to {end}',
      'life.cover': 'Insured under {policy} for {sum}, {start} to {end}',
      'life.census': 'Visit of {policy} on {day}: {presence}',
      'life.census.photo': 'Visit of {policy} on {day}: {presence} (photo {photo}, score {score})',
      'life.claim.accepted': 'Death claim {claim} under {policy} accepted: pays {payout} (evidence capture {capture})',
      'life.claim.refusedBy': 'Death claim {claim} under {policy} refused: the ledger holds claim {holder} for this animal (entry {entry})',
      'life.claim.refused': 'Death claim {claim} under {policy} refused: the ledger holds another claim for this animal (entry {entry}, filed earlier here or at another insurer)',
      'life.decision': '{claim}: {verdict}, by {officer}: {reason}',
      'life.anchor.verified': 'verified',
      'life.anchor.missing': 'missing from the ledger',
      'life.anchor.hash-mismatch': 'ledger holds something else',
      'life.anchor.proof-fails': 'proof fails',
      'life.anchor.ledger-tampered': 'ledger tampered',
      'life.anchor.refused': 'not anchored: refused',
      'life.presence.seen': 'Seen',
      'life.presence.not-seen': 'Not seen',
      'life.presence.claimed-dead': 'Claimed dead',
      'life.presence.seen-after-death-claim': 'Seen after a paid death claim',
      'life.presence.unknown': 'Unknown (no visit yet)',
      'life.presence.not-listed': 'not on the visit’s list',
      'verdict.approve': 'Approve',
      'verdict.refuse': 'Refuse',
      'verdict.survey': 'Send for field survey',
      'verdict.duplicate': 'Duplicate',
      'verdict.new-animal': 'New animal',
    },
    'zh-CN': {
      'life.entry': '账本条目 {entry}',
      'life.verified': '所有事件均按记录上链，包含证明校验通过。',
      'life.verifiedButRefused': '{n} 个事件按记录上链，包含证明均校验通过；{refused} 笔被拒的理赔没有属于自己的账本条目。',
      'life.notVerified': '并非所有事件都按记录存于账本：请查看标记的事件。',
      'life.unknown': '本页尚不认识的事件',
      'life.event.enrolment': '登记',
      'life.event.review': '复核',
      'life.event.policy': '保单',
      'life.event.cover': '承保',
      'life.event.census': '清点',
      'life.event.claim': '理赔',
      'life.event.claim-decision': '理赔决定',
      'life.enrolment': '由采集 {capture} 登记（{photos} 张照片），农户 {farmer}',
      'life.review.own': '其被标记的登记已复核：{verdict}，复核人 {reviewer}：{reason}',
      'life.review.other': '被标记为其重复的采集 {capture} 已复核：{verdict}，复核人 {reviewer}：{reason}',
      'life.policy': '{policy}：{head} 头 × {sum}，保费 {premium}，保障期 {start} 至 {end}',
      'life.cover': '由 {policy} 承保，保额 {sum}，{start} 至 {end}',
      'life.census': '{day} 对 {policy} 的清点：{presence}',
      'life.census.photo': '{day} 对 {policy} 的清点：{presence}（照片 {photo}，得分 {score}）',
      'life.claim.accepted': '{policy} 项下的死亡理赔 {claim} 已受理：赔付 {payout}（证据采集 {capture}）',
      'life.claim.refusedBy': '{policy} 项下的死亡理赔 {claim} 被拒：账本中该牲畜已有理赔 {holder}（条目 {entry}）',
      'life.claim.refused': '{policy} 项下的死亡理赔 {claim} 被拒：账本中该牲畜已有另一笔理赔（条目 {entry}，此前在本公司或其他保险公司提交）',
      'life.decision': '{claim}：{verdict}，理赔员 {officer}：{reason}',
      'life.anchor.verified': '已核验',
      'life.anchor.missing': '账本中缺失',
      'life.anchor.hash-mismatch': '账本内容不一致',
      'life.anchor.proof-fails': '证明无效',
      'life.anchor.ledger-tampered': '账本被篡改',
      'life.anchor.refused': '未上链：已拒绝',
      'life.presence.seen': '已见到',
      'life.presence.not-seen': '未见到',
      'life.presence.claimed-dead': '已理赔死亡',
      'life.presence.seen-after-death-claim': '死亡理赔后仍被见到',
      'life.presence.unknown': '未知（尚未清点）',
      'life.presence.not-listed': '不在该次清点名单上',
      'verdict.approve': '批准',
      'verdict.refuse': '拒赔',
      'verdict.survey': '派员现场查勘',
      'verdict.duplicate': '重复',
      'verdict.new-animal': '新牲畜',
    },
  },
};
