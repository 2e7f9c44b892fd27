package dev.memos.neo4j;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.internal.helpers.HostnamePort;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Development/test launcher: an embedded Neo4j Community DBMS with a Bolt connector on loopback, auth off.
 *
 * <p>Options (command-line flags win over system properties):
 * <ul>
 *   <li>{@code --home DIR} / {@code -Dneo4jdev.home=DIR}: the DBMS home (data/, logs/ are created inside). Required.</li>
 *   <li>{@code --port N} / {@code -Dneo4jdev.port=N}: the Bolt port on 127.0.0.1; 0 (default) picks a free one.</li>
 *   <li>{@code --pagecache SIZE} / {@code -Dneo4jdev.pagecache=SIZE}: page cache size, e.g. 128m (default).</li>
 *   <li>{@code --watch-pid PID} / {@code -Dneo4jdev.watchPid=PID}: shut down when that process exits (optional).</li>
 * </ul>
 *
 * <p>Prints {@code READY bolt://127.0.0.1:<port>} on stdout once the default database accepts Bolt connections,
 * then blocks until SIGINT/SIGTERM (or the watched process exits), and shuts the DBMS down cleanly.
 */
public final class DevServer {
    private DevServer() {}

    public static void main(String[] args) {
        String home = System.getProperty("neo4jdev.home");
        String port = System.getProperty("neo4jdev.port", "0");
        String pagecache = System.getProperty("neo4jdev.pagecache", "128m");
        String watchPid = System.getProperty("neo4jdev.watchPid");
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--home" -> { home = require(a, value); i++; }
                case "--port" -> { port = require(a, value); i++; }
                case "--pagecache" -> { pagecache = require(a, value); i++; }
                case "--watch-pid" -> { watchPid = require(a, value); i++; }
                case "-h", "--help" -> { usage(System.out); System.exit(0); }
                default -> fail("unknown argument: " + a);
            }
        }
        if (home == null || home.isBlank()) {
            fail("--home DIR (or -Dneo4jdev.home) is required");
        }
        int boltPort = parsePort(port);
        long pagecacheBytes = parseSize(pagecache);

        Path homePath = Path.of(home).toAbsolutePath().normalize();
        try {
            Files.createDirectories(homePath);
        } catch (Exception e) {
            fail("cannot create home directory " + homePath + ": " + e);
        }

        DatabaseManagementService dbms;
        try {
            dbms = new DatabaseManagementServiceBuilder(homePath)
                    .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", boltPort))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", boltPort))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, pagecacheBytes)
                    // Keep a dev store small: no 250 MB preallocated transaction logs.
                    .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                    .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 32L * 1024 * 1024)
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "false")
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    .build();
        } catch (Throwable t) {
            System.err.println("FAILED to start Neo4j: " + t);
            t.printStackTrace(System.err);
            System.exit(1);
            return;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shuttingDown = new AtomicBoolean(false);
        Runnable shutdown = () -> {
            if (shuttingDown.compareAndSet(false, true)) {
                System.out.println("STOPPING neo4j");
                System.out.flush();
                try {
                    dbms.shutdown();
                } catch (Throwable t) {
                    System.err.println("error during shutdown: " + t);
                }
                System.out.println("STOPPED neo4j");
                System.out.flush();
                stopped.countDown();
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "neo4j-dev-server-shutdown"));

        try {
            GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            // Fails fast if the default database did not come up.
            db.executeTransactionally("RETURN 1");
            int actualPort = boltPort;
            if (db instanceof GraphDatabaseAPI api) {
                HostnamePort hp = api.getDependencyResolver()
                        .resolveDependency(ConnectorPortRegister.class)
                        .getLocalAddress(ConnectorType.BOLT);
                if (hp != null) {
                    actualPort = hp.getPort();
                }
            }
            if (actualPort <= 0) {
                throw new IllegalStateException("could not determine the Bolt port");
            }
            System.out.println("READY bolt://127.0.0.1:" + actualPort);
            System.out.flush();
        } catch (Throwable t) {
            System.err.println("FAILED to start Neo4j: " + t);
            t.printStackTrace(System.err);
            System.exit(1); // runs the shutdown hook
            return;
        }

        if (watchPid != null && !watchPid.isBlank()) {
            long pid = Long.parseLong(watchPid.trim());
            var handle = ProcessHandle.of(pid);
            if (handle.isEmpty()) {
                System.err.println("watched process " + pid + " is gone; shutting down");
                System.exit(0);
            }
            handle.get().onExit().thenRun(() -> {
                System.err.println("watched process " + pid + " exited; shutting down");
                System.exit(0);
            });
        }

        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String require(String flag, String value) {
        if (value == null) {
            fail(flag + " needs a value");
        }
        return value;
    }

    private static int parsePort(String s) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p < 0 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            fail("invalid port: " + s);
            return -1;
        }
    }

    /** Parses sizes such as 134217728, 128k, 128m, 1g (binary units). */
    static long parseSize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        long mul = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k' -> mul = 1024L;
                case 'm' -> mul = 1024L * 1024;
                case 'g' -> mul = 1024L * 1024 * 1024;
                default -> mul = 1;
            }
        }
        if (mul != 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = Long.parseLong(t.trim()) * mul;
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            fail("invalid size: " + s);
            return -1;
        }
    }

    private static void usage(PrintStream out) {
        out.println("usage: java [JVM flags] -cp 'lib/*' dev.memos.neo4j.DevServer --home DIR [--port N] "
                + "[--pagecache 128m] [--watch-pid PID]");
    }

    private static void fail(String message) {
        System.err.println("neo4j-dev-server: " + message);
        usage(System.err);
        System.exit(2);
    }
}
