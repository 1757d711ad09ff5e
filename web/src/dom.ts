// The elements the page is built on: one missing is a defect of index.html, said plainly.

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the element type, as querySelector's own signature lets it
export function required<T extends Element = Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}
