package dev.gptjt.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay to a local port that a test can cut and restore on the same port: a network outage between the
 * service and the schema registry, with the registry itself (and its in-memory storage) untouched.
 */
public final class TcpProxy implements AutoCloseable {
    private final int target;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket server;

    private TcpProxy(int target, int port) {
        this.target = target;
        this.port = port;
    }

    /** Relays a free local port to {@code target}. */
    public static TcpProxy to(int target) throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        TcpProxy proxy = new TcpProxy(target, port);
        proxy.restore();
        return proxy;
    }

    public int port() {
        return port;
    }

    /** Accepts and relays connections again, on the same port. */
    public synchronized void restore() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = s;
        Thread acceptor = new Thread(() -> accept(s), "tcp-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Refuses new connections and drops the open ones. */
    public synchronized void cut() throws IOException {
        if (server != null) {
            server.close();
            server = null;
        }
        for (Socket s : open) {
            s.close();
        }
        open.clear();
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket client = s.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                open.add(client);
                open.add(upstream);
                pump(client, upstream);
                pump(upstream, client);
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to) {
        Thread t = new Thread(
                () -> {
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        in.transferTo(out);
                    } catch (IOException ended) {
                        // one side closed
                    } finally {
                        try {
                            from.close();
                            to.close();
                        } catch (IOException ignored) {
                            // closing anyway
                        }
                    }
                },
                "tcp-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
