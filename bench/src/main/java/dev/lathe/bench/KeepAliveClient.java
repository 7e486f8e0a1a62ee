package dev.lathe.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.IntConsumer;

/**
 * A small HTTP/1.1 client for load generation: GET requests built once as bytes, sent over
 * keep-alive connections to one server, each exchange on its own virtual thread. A request takes an
 * idle connection or opens a new one (so the number of connections follows the concurrency, as a
 * browser-less open-loop client's would), and the response is read only as far as HTTP needs
 * (status, headers, a {@code Content-Length} or chunked body, skipped). It spends a fraction of the
 * CPU the JDK's {@code HttpClient} spends per request, CPU that on a shared machine the server
 * under test would otherwise lose.
 */
final class KeepAliveClient implements AutoCloseable {
  private static final int TIMEOUT_MILLIS = 30_000;

  private final InetSocketAddress server;
  private final String authority;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

  /** A client for the server of {@code baseUrl} ({@code http://host:port/...}). */
  KeepAliveClient(URI baseUrl) {
    if (!"http".equals(baseUrl.getScheme()) || baseUrl.getPort() < 0) {
      throw new IllegalArgumentException(
          "the load client needs an http://host:port URL, got " + baseUrl);
    }
    this.server = new InetSocketAddress(baseUrl.getHost(), baseUrl.getPort());
    this.authority = baseUrl.getHost() + ":" + baseUrl.getPort();
  }

  /** The bytes of {@code GET path} with a bearer {@code key}. */
  byte[] get(String path, String key) {
    return ("GET "
            + path
            + " HTTP/1.1\r\nHost: "
            + authority
            + "\r\nAuthorization: Bearer "
            + key
            + "\r\nAccept: application/json\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Sends {@code request} on a virtual thread; {@code onStatus} receives the response's status
   * code, or -1 when the exchange failed (connection error, malformed response, 30 s timeout).
   */
  void send(byte[] request, IntConsumer onStatus) {
    threads.execute(() -> onStatus.accept(exchange(request)));
  }

  private int exchange(byte[] request) {
    Connection c = idle.pollFirst();
    try {
      if (c == null) {
        c = new Connection(server);
      }
      c.out.write(request);
      c.out.flush();
      int status = c.readResponse();
      if (c.keepAlive) {
        idle.addFirst(c);
      } else {
        c.socket.close();
      }
      return status;
    } catch (IOException | RuntimeException e) {
      if (c != null) {
        c.closeQuietly();
      }
      return -1;
    }
  }

  /** Closes the idle connections and waits for exchanges in flight. */
  @Override
  public void close() {
    threads.close();
    for (Connection c; (c = idle.pollFirst()) != null; ) {
      c.closeQuietly();
    }
  }

  /** One keep-alive connection and its response parser. */
  private static final class Connection {
    final Socket socket;
    final InputStream in;
    final OutputStream out;
    final StringBuilder line = new StringBuilder(128);
    boolean keepAlive;

    Connection(InetSocketAddress server) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.connect(server, TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      out = socket.getOutputStream();
    }

    /** Reads one response, skipping its body; returns its status code. */
    int readResponse() throws IOException {
      String statusLine = readLine();
      if (!statusLine.startsWith("HTTP/1.1 ") || statusLine.length() < 12) {
        throw new IOException("not an HTTP/1.1 status line: " + statusLine);
      }
      int status = Integer.parseInt(statusLine, 9, 12, 10);
      long length = -1;
      boolean chunked = false;
      keepAlive = true;
      for (String h; !(h = readLine()).isEmpty(); ) {
        int colon = h.indexOf(':');
        String name = h.substring(0, Math.max(0, colon)).toLowerCase(Locale.ROOT);
        String value = h.substring(colon + 1).strip();
        switch (name) {
          case "content-length" -> length = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.equalsIgnoreCase("chunked");
          case "connection" -> keepAlive = !value.equalsIgnoreCase("close");
          default -> {}
        }
      }
      if (chunked) {
        for (long size; (size = Long.parseLong(readLine().split(";", 2)[0].strip(), 16)) > 0; ) {
          skip(size + 2); // the chunk and its CRLF
        }
        while (!readLine().isEmpty()) {} // trailers
      } else if (length >= 0) {
        skip(length);
      } else {
        throw new IOException("a response with neither Content-Length nor chunked encoding");
      }
      return status;
    }

    private String readLine() throws IOException {
      line.setLength(0);
      for (int b; (b = in.read()) != '\n'; ) {
        if (b < 0) {
          throw new EOFException("the server closed the connection mid-response");
        }
        if (b != '\r') {
          line.append((char) b);
        }
      }
      return line.toString();
    }

    private void skip(long n) throws IOException {
      for (long left = n; left > 0; ) {
        long skipped = in.skip(left);
        if (skipped <= 0) {
          if (in.read() < 0) {
            throw new EOFException("the server closed the connection mid-body");
          }
          skipped = 1;
        }
        left -= skipped;
      }
    }

    void closeQuietly() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing a broken connection
      }
    }
  }
}
