package dev.memos.neo4j;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
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
 *   <li>{@code --self-test}: once ready, create a vector and a full-text index in-process, write and query nodes,
 *       drop everything, print {@code SELFTEST OK} and exit 0 (non-zero on failure). scripts/services-lib.mjs runs
 *       this once after the build to check the install and to record a class-data-sharing archive.</li>
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
        boolean selfTest = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--home" -> { home = require(a, value); i++; }
                case "--port" -> { port = require(a, value); i++; }
                case "--pagecache" -> { pagecache = require(a, value); i++; }
                case "--watch-pid" -> { watchPid = require(a, value); i++; }
                case "--self-test" -> selfTest = true;
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
                    // Stop within ~1 s instead of ~10 s (two 5 s Bolt shutdown waits by default).
                    .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofMillis(500))
                    .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofMillis(500))
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

        if (selfTest) {
            int code = 0;
            try {
                selfTest(dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME));
                System.out.println("SELFTEST OK");
            } catch (Throwable t) {
                System.out.println("SELFTEST FAILED: " + t);
                t.printStackTrace(System.out);
                code = 1;
            }
            System.out.flush();
            System.exit(code); // runs the shutdown hook
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

    /** Vector + full-text index round trip, as the MemOS.js Neo4j store uses them. */
    private static void selfTest(GraphDatabaseService db) {
        db.executeTransactionally("CREATE VECTOR INDEX memos_selftest_vec IF NOT EXISTS FOR (n:MemosSelfTest) ON (n.embedding) "
                + "OPTIONS {indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}");
        db.executeTransactionally("CREATE FULLTEXT INDEX memos_selftest_ft IF NOT EXISTS FOR (n:MemosSelfTest) ON EACH [n.text]");
        db.executeTransactionally("CREATE CONSTRAINT memos_selftest_id IF NOT EXISTS FOR (n:MemosSelfTest) REQUIRE n.id IS UNIQUE");
        db.executeTransactionally("UNWIND $rows AS r MERGE (n:MemosSelfTest {id: r.id}) SET n.text = r.text, n.embedding = r.embedding",
                Map.of("rows", List.of(
                        Map.of("id", "a", "text", "hiking in the mountains", "embedding", new double[] {1, 0, 0, 0}),
                        Map.of("id", "b", "text", "a cat on the sofa", "embedding", new double[] {0, 1, 0, 0}),
                        Map.of("id", "c", "text", "mountain biking", "embedding", new double[] {0.9, 0.1, 0, 0}))));
        db.executeTransactionally("MATCH (a:MemosSelfTest {id: 'a'}), (c:MemosSelfTest {id: 'c'}) MERGE (a)-[:RELATED {w: 0.5}]->(c)");
        db.executeTransactionally("CALL db.awaitIndexes(120)");
        List<String> vector = db.executeTransactionally(
                "CALL db.index.vector.queryNodes('memos_selftest_vec', $k, $q) YIELD node, score RETURN node.id AS id ORDER BY score DESC",
                Map.of("k", 2L, "q", new double[] {1, 0, 0, 0}),
                r -> r.stream().map(m -> (String) m.get("id")).toList());
        if (!vector.equals(List.of("a", "c"))) {
            throw new IllegalStateException("vector query returned " + vector + ", expected [a, c]");
        }
        List<String> fulltext = db.executeTransactionally(
                "CALL db.index.fulltext.queryNodes('memos_selftest_ft', $q) YIELD node RETURN node.id AS id ORDER BY id",
                Map.of("q", "mountain*"),
                r -> r.stream().map(m -> (String) m.get("id")).toList());
        if (!fulltext.equals(List.of("a", "c"))) {
            throw new IllegalStateException("full-text query returned " + fulltext + ", expected [a, c]");
        }
        long hops = db.executeTransactionally(
                "MATCH (:MemosSelfTest {id: 'a'})-[:RELATED*1..2]-(m) RETURN count(DISTINCT m) AS n",
                Map.of(), r -> (Long) r.next().get("n"));
        if (hops != 1) {
            throw new IllegalStateException("graph hop query returned " + hops + ", expected 1");
        }
        db.executeTransactionally("MATCH (n:MemosSelfTest) DETACH DELETE n");
        db.executeTransactionally("DROP CONSTRAINT memos_selftest_id IF EXISTS");
        db.executeTransactionally("DROP INDEX memos_selftest_ft IF EXISTS");
        db.executeTransactionally("DROP INDEX memos_selftest_vec IF EXISTS");
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
