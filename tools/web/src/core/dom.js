// DOM built as elements, never from HTML strings: every value from the API lands in a text node or an attribute,
// so a farmer called "<script>" is shown, not run.

/** h('a', { href: '#/x', class: 'btn', onclick: fn }, 'text', child, [more]) → HTMLElement. */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** SVG elements (charts drawn by the pages themselves). */
export function svg(tag, props, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Empties el and puts children in it. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A value shown as the user or the ledger wrote it (an id, a name, a reason typed by an officer): marked
 * translate="no", so neither a translating browser nor the pages' language check takes it for a label. */
export function verbatim(value, tag = 'span') {
  return h(tag, { translate: 'no' }, value);
}
