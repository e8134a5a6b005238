// Building the page from data without ever parsing it as HTML: every string from a task
// becomes a text node or an attribute value, so nothing in a task definition can run here.

/**
 * `el('a', { href: '#/', class: 'x' }, 'text', child)`: an element with attributes (an
 * `on<event>` function becomes a listener; undefined, null and false are left out) and children
 * (strings become text nodes).
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A time as the reader's local time, with the exact ISO time on hover. */
export function time(iso) {
  if (!iso) return el('span', { class: 'muted' }, '–');
  return el('time', { datetime: iso, title: iso }, new Date(iso).toLocaleString());
}

/** A task or run state, coloured by what it means. */
export function stateBadge(state, reason, id) {
  const text = reason && reason !== state ? `${state} (${reason})` : state;
  return el('span', { class: `state state-${state}`, id }, text);
}
