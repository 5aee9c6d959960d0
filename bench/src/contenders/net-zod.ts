import { netContender } from "./net-framing.js";

/** The hand-rolled framing with zod validation of every message on both ends. */
export const contender = netContender("net-zod", `node:net ${process.version} + zod`, true);
