// Building DOM nodes for the lazily loaded controls (diagram, SQL import,
// From SQL, the query plan panel): text goes in as textContent, never as HTML.

/** An element with attributes (`on…` listeners, `text`) and children (nested lists flattened). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}
