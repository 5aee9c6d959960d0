import type { Contender, ContenderName } from "./types.js";

/**
 * Loads one contender on demand, so a child process imports only the library it runs (and a
 * missing optional one, zeromq, fails only when it is asked for).
 */
export async function loadContender(name: ContenderName): Promise<Contender> {
  switch (name) {
    case "sockwire":
      return (await import("./sockwire.js")).contender;
    case "sockwire-noresume":
      return (await import("./sockwire.js")).contenderNoResume;
    case "net-raw":
      return (await import("./net-raw.js")).contender;
    case "net-zod":
      return (await import("./net-zod.js")).contender;
    case "ws":
      return (await import("./ws.js")).contender;
    case "socketio":
      return (await import("./socketio.js")).contender;
    case "zeromq":
      return (await import("./zeromq.js")).contender;
    case "grpc":
      return (await import("./grpc.js")).contender;
  }
}

/** Whether a contender can run here; only zeromq, an optional native addon, may be missing. */
export async function contenderAvailable(name: ContenderName): Promise<boolean> {
  try {
    await loadContender(name);
    return true;
  } catch {
    return false;
  }
}
