package example.consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netseal.interop.InsecureExplicitNonceCodec;
import dev.netseal.Netseal;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * What a user of netseal does first on a new platform, or from a new kind of class path: load the
 * native backend, then seal every packet of {@code net-v1-golden.json} and compare it byte for
 * byte, and open it back to its events.
 *
 * <pre>ConsumerCheck &lt;net-v1-golden.json&gt; [--expect-native]</pre>
 *
 * <p>Prints one line per fact on stdout and nothing on stderr; exits 0 only when every vector
 * matched (and, with {@code --expect-native}, the native backend was the one in use). On the
 * module path it also checks that netseal exports its API package and none of its internals.
 */
public final class ConsumerCheck {
    private static final HexFormat HEX = HexFormat.of();

    private ConsumerCheck() {}

    /**
     * Runs the check.
     *
     * @param args the vectors file, then optionally {@code --expect-native}
     * @throws IOException when the vectors file cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2 || (args.length == 2 && !args[1].equals("--expect-native"))) {
            System.out.println("usage: ConsumerCheck <net-v1-golden.json> [--expect-native]");
            System.exit(2);
        }
        List<String> failures = new ArrayList<>();
        Module netseal = Netseal.class.getModule();
        String where = netseal.isNamed() ? "module path (module " + netseal.getName() + ")" : "class path";
        System.out.println("netseal loaded from: " + where);
        System.out.println("java: " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor")
                + "), os.arch: " + System.getProperty("os.arch"));
        if (netseal.isNamed()) {
            checkExports(netseal, failures);
        }
        System.out.println("backend: " + Netseal.backendDescription());
        if (args.length == 2) {
            if (!Netseal.isNativeAvailable()) {
                failures.add("native backend unavailable: " + Netseal.unavailabilityCause());
            } else if (!Netseal.isNativeActive()) {
                failures.add("native backend loaded but not in use");
            }
        }
        JsonNode vectors = new ObjectMapper().readTree(Path.of(args[0]).toFile());
        if (!vectors.isArray()) {
            throw new IOException(args[0] + ": expected a JSON array of vectors");
        }
        InsecureExplicitNonceCodec codec = InsecureExplicitNonceCodec.create();
        for (int i = 0; i < vectors.size(); i++) {
            checkVector(codec, i, vectors.get(i), failures);
        }
        if (vectors.isEmpty()) {
            failures.add("no vectors in " + args[0]);
        }
        for (String f : failures) {
            System.out.println("FAILED: " + f);
        }
        System.out.println("consumer check: " + (failures.isEmpty() ? "OK" : "FAILED") + ", " + vectors.size()
                + " golden vectors sealed and opened byte for byte" + (failures.isEmpty() ? "" : " (not all)")
                + ", from the " + where);
        System.exit(failures.isEmpty() ? 0 : 1);
    }

    private static void checkExports(Module netseal, List<String> failures) {
        Module self = ConsumerCheck.class.getModule();
        if (!netseal.isExported("dev.netseal", self)) {
            failures.add("dev.netseal is not exported");
        }
        if (!netseal.isExported("dev.netseal.interop", self)) {
            failures.add("dev.netseal.interop is not exported");
        }
        long internals = 0;
        for (String p : netseal.getPackages()) {
            if (p.startsWith("dev.netseal.internal")) {
                internals++;
                if (netseal.isExported(p) || netseal.getDescriptor().exports().stream()
                        .anyMatch(e -> e.source().equals(p))) {
                    failures.add(p + " is exported");
                }
            }
        }
        if (internals == 0) {
            failures.add("no dev.netseal.internal package found: is this netseal's jar?");
        }
        System.out.println("exports: " + netseal.getDescriptor().exports());
    }

    private static void checkVector(InsecureExplicitNonceCodec codec, int i, JsonNode v, List<String> failures) {
        String kind = text(v, "kind");
        byte[] expected = HEX.parseHex(text(v, "packet"));
        byte[] actual;
        List<byte[]> events = new ArrayList<>();
        if (kind.equals("handshake")) {
            byte[] payload = HEX.parseHex(text(v, "payload"));
            actual = InsecureExplicitNonceCodec.handshake(payload);
        } else {
            byte[] key = HEX.parseHex(text(v, "key"));
            long session = u64(v, "session_id");
            long counter = u64(v, "counter");
            if (kind.equals("heartbeat")) {
                actual = codec.sealHeartbeat(key, session, counter);
            } else {
                for (JsonNode e : v.path("events")) {
                    events.add(HEX.parseHex(e.textValue()));
                }
                actual = codec.sealData(key, session, counter, u64(v, "stream_id"), u64(v, "sequence"),
                        integer(v, "flags"), u64(v, "origin_hash"), integer(v, "channel_hash"),
                        integer(v, "subprotocol_id"), events);
            }
            try {
                OpenedPacket opened = codec.open(key, session, expected);
                List<byte[]> got = opened.events();
                boolean same = got.size() == events.size();
                for (int e = 0; same && e < got.size(); e++) {
                    same = Arrays.equals(got.get(e), events.get(e));
                }
                if (!same) {
                    failures.add("vector " + i + " (" + kind + "): opened to other events");
                }
            } catch (PacketException e) {
                failures.add("vector " + i + " (" + kind + "): refused: " + e.getMessage());
            }
        }
        if (!Arrays.equals(expected, actual)) {
            failures.add("vector " + i + " (" + kind + "): sealed " + HEX.formatHex(actual) + ", expected "
                    + HEX.formatHex(expected));
        }
        System.out.println("vector " + i + " (" + kind + ", " + expected.length + " bytes): "
                + (Arrays.equals(expected, actual) ? "same bytes" : "DIFFERENT bytes"));
    }

    private static long u64(JsonNode v, String field) {
        return Long.parseUnsignedLong(text(v, field));
    }

    private static String text(JsonNode v, String field) {
        JsonNode n = v.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("golden vectors: \"" + field + "\" is not a string in " + v);
        }
        return n.textValue();
    }

    private static int integer(JsonNode v, String field) {
        JsonNode n = v.get(field);
        if (n == null || !n.canConvertToInt()) {
            throw new IllegalArgumentException("golden vectors: \"" + field + "\" is not an int in " + v);
        }
        return n.intValue();
    }
}
