// The pages of a List call as the CLI asks for them: the one page named (the first by default),
// or with --all every page from there to the end, each its own call with its own deadline.

export interface ListedPage<T> {
  readonly items: readonly T[];
  readonly nextPageToken: string;
}

/** The items of one page, or of every page to the end, and the token of the page after them ("" at the end). */
export async function collectPages<T>(
  firstPageToken: string,
  all: boolean,
  fetchPage: (pageToken: string) => Promise<ListedPage<T>>,
): Promise<{ items: T[]; nextPageToken: string }> {
  const items: T[] = [];
  let pageToken = firstPageToken;
  for (;;) {
    const page = await fetchPage(pageToken);
    items.push(...page.items);
    // A server that hands back the token it was given would otherwise loop for ever.
    if (!all || page.nextPageToken === "" || page.nextPageToken === pageToken) return { items, nextPageToken: page.nextPageToken };
    pageToken = page.nextPageToken;
  }
}
