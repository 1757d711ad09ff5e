// When frozen quotes were current. Outside trading hours TWS answers a request made under
// market data type 2 (frozen) or 4 (delayed-frozen) with marketDataType 2 or 4 and the values
// the market closed with; it sends no time for a bid or an ask. Stamping such a quote "now"
// would present yesterday's market as this minute's, so it gets the instant those values were
// last current: the regular session's close, 16:00 New York, on the last weekday whose close
// has passed. Exchange holidays are not known here: a quote frozen over a holiday is stamped
// with the holiday's 16:00, a day late at most, never later than the request.
import { addDays, dayOfWeek, newYorkDate, newYorkInstant } from "../../../engine/new-york-time.js";

/** US equity options' regular session ends at 16:00 New York (a few ETF classes trade to 16:15). */
const CLOSE_HOUR = 16;
const SATURDAY = 6;
const SUNDAY = 0;

/** The last regular close (16:00 New York on a weekday) at or before `at`. */
export function lastRegularClose(at: Date): Date {
  let date = newYorkDate(at);
  // At most three days back (Monday morning to Friday's close), bounded for safety.
  for (let day = 0; day < 7; day++, date = addDays(date, -1)) {
    const weekday = dayOfWeek(date);
    if (weekday === SATURDAY || weekday === SUNDAY) continue;
    const close = newYorkInstant(date, CLOSE_HOUR);
    if (close.getTime() <= at.getTime()) return close;
  }
  return at;
}

/** A frozen quote's time: when its values were last current, never after `receivedAt`. */
export function frozenQuoteTime(receivedAt: Date): Date {
  return lastRegularClose(receivedAt);
}
