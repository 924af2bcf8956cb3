/** The page's element that `selector` names, of the expected type; a page without it fails at once, by name. */
export function element<T extends Element>(selector: string, type: new () => T): T {
  const found = document.querySelector(selector);
  if (!(found instanceof type)) throw new Error(`${location.pathname} has no ${selector}`);
  return found;
}
