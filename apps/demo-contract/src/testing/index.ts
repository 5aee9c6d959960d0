/**
 * Test support for the demo apps: start them as child processes and read their consoles.
 * @packageDocumentation
 */
export {
  type AppExit,
  type AppName,
  AppProcess,
  appEntry,
  canRunInTerminal,
  type StartAppOptions,
  startApp,
  stopAllApps,
} from "./app-process.js";
export { ARTICLE_TIME, freePort, helpColumns } from "./patterns.js";
