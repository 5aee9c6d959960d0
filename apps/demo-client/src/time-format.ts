/**
 * Formats a local time the way the article's client printed C#'s `DateTime.Now` under the zh-CN
 * culture: `yyyy/M/d H:mm:ss`. Month, day and hour have no leading zero; minutes and seconds do;
 * the year has four digits. Pure: the result depends only on `date` (read in local time).
 *
 * @example
 * ```ts
 * formatArticleTime(new Date(2017, 3, 19, 23, 15, 24)); // "2017/4/19 23:15:24"
 * formatArticleTime(new Date(2024, 0, 5, 7, 3, 9));     // "2024/1/5 7:03:09"
 * ```
 */
export function formatArticleTime(date: Date): string {
  const year = String(date.getFullYear()).padStart(4, "0");
  const month = date.getMonth() + 1;
  const day = date.getDate();
  const hours = date.getHours();
  const minutes = String(date.getMinutes()).padStart(2, "0");
  const seconds = String(date.getSeconds()).padStart(2, "0");
  return `${year}/${month}/${day} ${hours}:${minutes}:${seconds}`;
}

/** Start of every message the article's client sends. */
export const MESSAGE_PREFIX = "Client send Message on ";

/**
 * The text of one message, as the article's client builds it:
 * `"Client send Message on " + DateTime.Now`.
 *
 * @example
 * ```ts
 * messageText(new Date(2017, 3, 19, 23, 15, 24)); // "Client send Message on 2017/4/19 23:15:24"
 * ```
 */
export function messageText(date: Date): string {
  return `${MESSAGE_PREFIX}${formatArticleTime(date)}`;
}
