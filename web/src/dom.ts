// The elements the page is built on (one missing is a defect of index.html, said plainly), and the buttons it adds.

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the element type, as querySelector's own signature lets it
export function required<T extends Element = Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`the page has no ${selector}`);
  return found;
}

/** A button that runs `action`, named for assistive technology (and tests) by `label`. */
export function button(text: string, label: string, action: () => void): HTMLButtonElement {
  const made = document.createElement("button");
  made.type = "button";
  made.textContent = text;
  made.setAttribute("aria-label", label);
  made.addEventListener("click", action);
  return made;
}

/** A form's input named `name`; one missing is a defect of index.html. */
export function inputOf(form: HTMLFormElement, name: string): HTMLInputElement {
  const found = form.elements.namedItem(name);
  if (!(found instanceof HTMLInputElement)) throw new Error(`the form ${form.id} has no ${name} input`);
  return found;
}
