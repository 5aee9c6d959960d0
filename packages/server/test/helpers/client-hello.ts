import net from "node:net";
import tls from "node:tls";

/**
 * The first bytes a real `node:tls` client sends (its ClientHello record), captured by a plain
 * TCP listener on loopback, so a raw socket can start a TLS handshake and then misbehave.
 */
export async function captureClientHello(): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      server.once("connection", (socket) => {
        socket.once("data", (chunk: Buffer) => {
          resolve(chunk);
          socket.destroy();
        });
      });
      const client = tls.connect({ host: "127.0.0.1", port });
      client.on("error", () => {}); // the capture ends the handshake by design
      client.on("close", () => reject(new Error("closed before a ClientHello was captured")));
    });
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
