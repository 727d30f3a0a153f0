// omniretail web pages, shared by the console (/console/) and the demo storefront (/shop/):
// building elements without HTML strings, so text from the API is always inserted as text
// and the pages need no inline script or style (their content security policy forbids both).
"use strict";

/** Builds an element: `h("a", {href: "#/", class: "x", onclick: fn}, "text", child)`. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const c of children.flat()) {
    if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** A search hit's name in the page's language: its English name on an English page when the
 * product has one (`lang` is each page's current language). */
function hitName(hit) {
  return (lang === "en" && hit.name_en) || hit.name;
}
