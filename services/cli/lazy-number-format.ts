// Number formats made on first use, and all released at once: a V8 startup snapshot cannot
// hold ICU's state, and the CLI's snapshot runs the commands that format numbers before it is
// taken (services/cli/snapshot-main.ts). Made again on the next use, the same as before.
const made = new Set<LazyNumberFormat>();

export class LazyNumberFormat {
  #format: Intl.NumberFormat | undefined;

  constructor(
    private readonly locale: string,
    private readonly options: Intl.NumberFormatOptions = {},
  ) {}

  format(value: number | bigint): string {
    if (!this.#format) {
      this.#format = new Intl.NumberFormat(this.locale, this.options);
      made.add(this);
    }
    return this.#format.format(value);
  }

  release(): void {
    this.#format = undefined;
  }
}

/** Drops every format made so far. */
export function releaseNumberFormats(): void {
  for (const format of made) format.release();
  made.clear();
}
