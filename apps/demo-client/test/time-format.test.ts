import { describe, expect, test } from "vitest";
import { formatArticleTime, MESSAGE_PREFIX, messageText } from "../src/time-format.js";

// Dates are built with the local-time constructor and formatted in local time, so these hold in
// every time zone the tests might run in.
describe("formatArticleTime (C# DateTime.Now, zh-CN: yyyy/M/d H:mm:ss)", () => {
  test("the article's own timestamp", () => {
    expect(formatArticleTime(new Date(2017, 3, 19, 23, 15, 24))).toBe("2017/4/19 23:15:24");
  });

  test("single-digit month, day and hour have no leading zero", () => {
    expect(formatArticleTime(new Date(2024, 0, 5, 7, 3, 9))).toBe("2024/1/5 7:03:09");
  });

  test("minutes and seconds always have two digits", () => {
    expect(formatArticleTime(new Date(2024, 8, 9, 9, 0, 0))).toBe("2024/9/9 9:00:00");
  });

  test("midnight is hour 0 (24-hour clock, no AM/PM)", () => {
    expect(formatArticleTime(new Date(2020, 1, 29, 0, 0, 1))).toBe("2020/2/29 0:00:01");
  });

  test("two-digit month, day and hour", () => {
    expect(formatArticleTime(new Date(1999, 11, 31, 12, 59, 59))).toBe("1999/12/31 12:59:59");
  });

  test("the year is padded to four digits like yyyy", () => {
    const date = new Date(2000, 6, 4, 10, 20, 30);
    date.setFullYear(999);
    expect(formatArticleTime(date)).toBe("0999/7/4 10:20:30");
  });

  test("milliseconds are not shown", () => {
    expect(formatArticleTime(new Date(2017, 3, 19, 23, 15, 24, 999))).toBe("2017/4/19 23:15:24");
  });
});

describe("messageText", () => {
  test("is the article's message for that time", () => {
    expect(messageText(new Date(2017, 3, 19, 23, 15, 25))).toBe(
      "Client send Message on 2017/4/19 23:15:25",
    );
    expect(MESSAGE_PREFIX).toBe("Client send Message on ");
  });
});
