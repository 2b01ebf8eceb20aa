// Two languages, every label from a dictionary: zh-CN (the insurers' staff) and English. Each page module brings its
// own keys for both; a key missing in one language is a test failure (see tests/AgriInsure.Web.Tests), not a
// silent fallback.

const dictionaries = { en: {}, 'zh-CN': {} };
export const languages = Object.keys(dictionaries);
const storageKey = 'agri.lang';

/** Adds a module's labels: { en: { key: 'text {name}' }, 'zh-CN': { key: '文字 {name}' } }. */
export function addText(text) {
  for (const language of languages) Object.assign(dictionaries[language], text[language] ?? {});
}

/** Keys present in one language and not in the other (the tests read this). */
export function missingKeys() {
  const [a, b] = languages;
  const only = (x, y) => Object.keys(dictionaries[x]).filter((k) => !(k in dictionaries[y]));
  return { [a]: only(b, a), [b]: only(a, b) };
}

/** The chosen language: the one picked on the page, else the browser's (Chinese for any zh-*), else English. */
export function lang() {
  const picked = localStorage.getItem(storageKey);
  if (picked && picked in dictionaries) return picked;
  return (navigator.languages ?? [navigator.language]).some((l) => l?.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

export function setLang(language) {
  localStorage.setItem(storageKey, language);
  document.documentElement.lang = language;
}

/** The label for key in the chosen language, with {name} replaced from vars. */
export function t(key, vars) {
  const text = dictionaries[lang()][key] ?? dictionaries.en[key] ?? key;
  return vars ? text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`)) : text;
}

/** Like t, for text around what the user or the ledger named (ids, names, reasons as typed): a var may be an element,
 * such as verbatim(id) from core/dom.js, which keeps the value out of translation. Returns parts for h(). */
export function tx(key, vars) {
  const text = dictionaries[lang()][key] ?? dictionaries.en[key] ?? key;
  return text.split(/(\{\w+\})/).filter((part) => part !== '').map((part) => {
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    return name && name in vars ? (vars[name] instanceof Node ? vars[name] : String(vars[name])) : part;
  });
}

const muPerM2 = 15 / 10000; // 1 mu = 10,000/15 m² (the Chinese market mu)

function number(value, digits) {
  return new Intl.NumberFormat(lang(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** Formatting in the chosen language: areas in mu and hectares, money with two decimals, dates in the locale. */
export const fmt = {
  number,
  /** A share 0–1 as a percentage. */
  percent: (share, digits = 1) => new Intl.NumberFormat(lang(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share),
  mu: (m2, digits = 2) => `${number(m2 * muPerM2, digits)} ${t('unit.mu')}`,
  ha: (m2, digits = 2) => `${number(m2 / 10000, digits)} ${t('unit.ha')}`,
  m2: (m2) => `${number(m2, 0)} m²`,
  /** An area given in m², as "38.84 mu (2.59 ha)". */
  area: (m2) => (m2 === null || m2 === undefined ? '—' : `${fmt.mu(m2)} (${fmt.ha(m2)})`),
  /** { amount, currency } → "¥1,165.09" / "CN¥1,165.09"; always two decimals. */
  money: (money) => (money === null || money === undefined ? '—'
    : new Intl.NumberFormat(lang(), { style: 'currency', currency: money.currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(money.amount)),
  date: (iso) => (iso ? new Intl.DateTimeFormat(lang(), { dateStyle: 'medium' }).format(new Date(iso.length === 10 ? `${iso}T00:00:00` : iso)) : '—'),
  dateTime: (iso) => (iso ? new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '—'),
};
