// What happened, in the order it happened, read one event at a time: for tests that follow
// several sources (a clock's sleeps, a stream's messages) and must see them in order.
export class EventLog<Event> {
  private readonly queued: Event[] = [];
  private readonly readers: ((event: Event) => void)[] = [];

  push(event: Event): void {
    const reader = this.readers.shift();
    if (reader) reader(event);
    else this.queued.push(event);
  }

  /** The next event, once it has happened. */
  next(): Promise<Event> {
    const event = this.queued.shift();
    return event === undefined ? new Promise((resolve) => this.readers.push(resolve)) : Promise.resolve(event);
  }

  /** Events that happened and have not been read. */
  get unread(): number {
    return this.queued.length;
  }
}
