import { type Lang, printable } from "demo-contract";

/** Every line the server prints on stdout, in one language. Endpoints come preformatted. */
export interface ServerLines {
  /** Once the server accepts connections. */
  listening(endpoint: string): string;
  /** The listening socket could not be opened (port taken, address not local...). */
  listenFailed(endpoint: string, reason: string): string;
  /** One message from a client, exactly as the article prints it. */
  received(endpoint: string, text: string): string;
  /** A client's connection ended; `reason` only when it did not end normally. */
  left(endpoint: string, reason: string | undefined): string;
  /** After a graceful stop. */
  stopped(): string;
}

// The first and third lines are the article's, character for character.
const zh: ServerLines = {
  listening: (endpoint) => `启动监听${endpoint}成功`,
  listenFailed: (endpoint, reason) => `启动监听${endpoint}失败(${reason})`,
  received: (endpoint, text) => `接收客户端${endpoint}消息${printable(text)}`,
  left: (endpoint, reason) =>
    `客户端${endpoint}断开连接${reason === undefined ? "" : `(${reason})`}`,
  stopped: () => "服务器已停止",
};

const en: ServerLines = {
  listening: (endpoint) => `Started listening on ${endpoint}`,
  listenFailed: (endpoint, reason) => `Could not listen on ${endpoint} (${reason})`,
  received: (endpoint, text) => `Received from client ${endpoint}: ${printable(text)}`,
  left: (endpoint, reason) =>
    `Client ${endpoint} disconnected${reason === undefined ? "" : ` (${reason})`}`,
  stopped: () => "Server stopped",
};

/**
 * The server's console lines in `lang`.
 *
 * @example
 * ```ts
 * serverLines("zh").listening("127.0.0.1:18888"); // "启动监听127.0.0.1:18888成功"
 * ```
 */
export function serverLines(lang: Lang): ServerLines {
  return lang === "en" ? en : zh;
}
