import http from 'node:http';
import type { Socket } from 'node:net';

/**
 * The HTTP server every entry point uses: timeouts that a slow client cannot abuse, and
 * requests too malformed to reach Koa (bad framing, headers over Node's 16 KB) still
 * answered with the JSON error body rather than Node's bare one.
 */
export function createHttpServer(handler?: http.RequestListener): http.Server {
  const server = http.createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 30_000;
  server.headersTimeout = 20_000;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.bytesWritten)) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify({
      status: 'bad_request',
      message: tooLarge ? 'the request line and headers are larger than 16 KB' : 'the request is not well-formed HTTP',
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  return server;
}
