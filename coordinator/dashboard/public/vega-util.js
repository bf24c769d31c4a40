// 'vega-util' for vega-interpreter (mapped by index.html's import map): the same functions from the
// vega bundle's global, which re-exports all of vega-util, so the page loads one copy of it.
const { ascending, isString, DisallowedObjectProperties } = globalThis.vega;
export { ascending, isString, DisallowedObjectProperties };
