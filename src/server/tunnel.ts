// The SDK tunnel (--tunnel-port): how extensions reach vCenter to log in with a client
// certificate. A client asks a plain-HTTP listener for `CONNECT sdkTunnel:8089`, and from then
// on the socket carries TLS to the SDK: govmomi's Client.Tunnel() and pyVmomi's
// SoapStubAdapter(sslProxyPath='sdkTunnel:8089', ...) both go this way. This is only a
// transport: once the CONNECT is accepted the socket is handed to the HTTPS server the /sdk
// listener runs on, so TLS (with a client certificate requested), HTTP, fastify and the call
// pipeline are the very same ones.

import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Server } from 'node:http';

/** The one target the tunnel opens, as vCenter's reverse proxy names its SDK. */
export const SDK_TUNNEL_TARGET = 'sdkTunnel:8089';

export interface TunnelOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** The HTTPS server /sdk is served by; accepted sockets are handed to it as new connections. */
  readonly server: Server;
  /** The longest CONNECT request head accepted; longer: 431 and close. */
  readonly maxHeaderBytes: number;
  /** How long a client may take to send its CONNECT request; longer: closed. */
  readonly idleTimeoutMs: number;
}

export interface Tunnel {
  readonly port: number;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

function refuse(socket: Socket, status: string, message: string): void {
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`,
  );
  // A client that keeps sending is not waited for.
  socket.setTimeout(1000, () => socket.destroy());
}

export async function startTunnel(options: TunnelOptions): Promise<Tunnel> {
  /** Sockets still in their CONNECT phase (handed-over ones belong to the HTTPS server). */
  const pending = new Set<Socket>();

  const accept = (socket: Socket) => {
    pending.add(socket);
    const forget = () => pending.delete(socket);
    const onError = () => socket.destroy();
    const onIdle = () => socket.destroy();
    socket.once('close', forget);
    socket.on('error', onError);
    socket.setTimeout(options.idleTimeoutMs, onIdle);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end === -1) {
        if (head.length > options.maxHeaderBytes) {
          socket.off('data', onData);
          refuse(socket, '431 Request Header Fields Too Large', `the CONNECT request head is longer than ${options.maxHeaderBytes} bytes\n`);
        }
        return;
      }
      socket.off('data', onData);
      if (end > options.maxHeaderBytes) {
        refuse(socket, '431 Request Header Fields Too Large', `the CONNECT request head is longer than ${options.maxHeaderBytes} bytes\n`);
        return;
      }
      const [method, target, version] = head.subarray(0, head.indexOf('\r\n')).toString('latin1').split(' ');
      if (!version?.startsWith('HTTP/1.')) {
        refuse(socket, '400 Bad Request', 'expected an HTTP/1.x request\n');
        return;
      }
      if (method !== 'CONNECT') {
        refuse(socket, '405 Method Not Allowed', `this port only tunnels: CONNECT ${SDK_TUNNEL_TARGET}\n`);
        return;
      }
      if (target !== SDK_TUNNEL_TARGET) {
        refuse(socket, '403 Forbidden', `the only tunnel target is ${SDK_TUNNEL_TARGET}\n`);
        return;
      }
      socket.pause();
      const rest = head.subarray(end + HEAD_END.length);
      if (rest.length > 0) socket.unshift(rest);
      // From here the socket is the HTTPS server's, with its own timeouts and error handling.
      socket.setTimeout(0);
      socket.off('timeout', onIdle);
      socket.off('error', onError);
      socket.off('close', forget);
      pending.delete(socket);
      // Content-Length: 0 although a CONNECT answer needs none: without it Python's http.client
      // (pyVmomi's SSLTunnelConnection) assumes the connection will close and drops the socket.
      socket.write('HTTP/1.1 200 Connection established\r\nContent-Length: 0\r\n\r\n');
      options.server.emit('connection', socket);
      socket.resume();
    };
    socket.on('data', onData);
  };

  const listener: NetServer = createServer(accept);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(options.port, options.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  const address = listener.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    // Stops accepting and drops sockets still in their CONNECT. Not waiting for the listener's
    // close callback: that waits for every socket it accepted, handed-over ones included, and
    // those close with the HTTPS server, which closes after this.
    close: async () => {
      for (const socket of pending) socket.destroy();
      listener.close();
    },
  };
}
