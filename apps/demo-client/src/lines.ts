import { type Lang, printable } from "demo-contract";

/** Every line the client prints on stdout, in one language. */
export interface ClientLines {
  /** After the connection (and, framed, the handshake) succeeded. */
  connected(): string;
  /** The server's greeting. */
  greeting(text: string): string;
  /** After one message was handed to the connection. */
  sent(text: string): string;
  /** After the last message. */
  allSent(): string;
  /** The server could not be reached (or refused the handshake). */
  connectFailed(): string;
  /** The connection ended without the client closing it. */
  lost(reason: string | undefined): string;
}

/** What the lines may promise: whether the client waits for Enter before it exits. */
export interface LineContext {
  /** True when stdin is a terminal: someone can press Enter, and the client waits for it. */
  waitsForEnter: boolean;
}

// The Chinese lines are the article's, character for character, including the space after the
// sent message (the C# format string was "向服务器发送消息:{0} ") and the ASCII punctuation.
const zh: ClientLines = {
  connected: () => "连接服务器成功",
  greeting: (text) => `接收服务器消息:${printable(text)}`,
  sent: (text) => `向服务器发送消息:${printable(text)} `,
  allSent: () => "发送完毕,按回车键退出",
  connectFailed: () => "连接服务器失败,请按回车键退出!",
  lost: (reason) => `与服务器的连接已断开${reason === undefined ? "" : `(${reason})`}`,
};

// Same meaning in English; the trailing space of the Chinese sent line is a quirk of the
// original format string and is not carried over.
const en: ClientLines = {
  connected: () => "Connected to server",
  greeting: (text) => `Received from server: ${printable(text)}`,
  sent: (text) => `Sent to server: ${printable(text)}`,
  allSent: () => "All sent, press Enter to exit",
  connectFailed: () => "Could not connect to server, press Enter to exit!",
  lost: (reason) =>
    `Lost the connection to the server${reason === undefined ? "" : ` (${reason})`}`,
};

// Without a terminal nobody can press Enter and the client exits by itself, so the two lines
// that ask for Enter say that instead, in the same style.
const zhWithoutTerminal: ClientLines = {
  ...zh,
  allSent: () => "发送完毕,正在退出",
  connectFailed: () => "连接服务器失败,正在退出!",
};

const enWithoutTerminal: ClientLines = {
  ...en,
  allSent: () => "All sent, exiting",
  connectFailed: () => "Could not connect to server, exiting!",
};

/**
 * The client's console lines in `lang`. With `waitsForEnter` they are the article's, which ask
 * for Enter; without it the lines that would ask say that the client exits.
 *
 * @example
 * ```ts
 * clientLines("zh", { waitsForEnter: true }).allSent(); // "发送完毕,按回车键退出"
 * clientLines("en", { waitsForEnter: false }).allSent(); // "All sent, exiting"
 * ```
 */
export function clientLines(lang: Lang, context: LineContext): ClientLines {
  if (lang === "en") return context.waitsForEnter ? en : enWithoutTerminal;
  return context.waitsForEnter ? zh : zhWithoutTerminal;
}
