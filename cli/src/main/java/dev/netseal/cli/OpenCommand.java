package dev.netseal.cli;

import dev.netseal.interop.InsecureExplicitNonceCodec;
import dev.netseal.NetV1;
import dev.netseal.PacketHeader;
import dev.netseal.OpenedPacket;
import dev.netseal.PacketException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code netseal open}: opens one packet with every check a receiver makes (but the replay window:
 * there is no history) and prints its header and events as one JSON object. A handshake is not
 * sealed, so it is shown (header and payload) after the structural checks, without the key.
 * A refused packet prints the reason on stderr and exits 1.
 */
final class OpenCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("open")
            .option("--key").option("--session").positional("PACKET_HEX");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        byte[] key = o.key("--key");
        long session = o.unsigned("--session", 64);
        byte[] packet = o.positionalHex(0, "PACKET_HEX");

        if (looksLikeHandshake(packet)) {
            List<String> problems = PacketProblems.find(packet);
            if (!problems.isEmpty()) {
                err.println("netseal: refused: handshake packet: " + String.join("; ", problems));
                return NetsealCli.FAILED;
            }
            JsonWriter w = new JsonWriter().beginObject().name("header");
            HeaderFields.writeJson(HeaderFields.read(packet), w);
            w.name("payload").value(Hex.encode(Arrays.copyOfRange(packet, NetV1.HEADER_SIZE, packet.length)));
            out.println(w.endObject());
            return NetsealCli.OK;
        }

        OpenedPacket opened;
        try {
            opened = InsecureExplicitNonceCodec.create().open(key, session, packet);
        } catch (PacketException e) {
            err.println("netseal: refused: " + e.getMessage()); // the message starts with the reason
            return NetsealCli.FAILED;
        }
        // The header is not encrypted, so the bytes given are the header that verified.
        JsonWriter w = new JsonWriter().beginObject().name("header");
        HeaderFields.writeJson(HeaderFields.read(packet), w);
        w.name("events").beginArray();
        for (byte[] event : opened.events()) {
            w.value(Hex.encode(event));
        }
        out.println(w.endArray().endObject());
        return NetsealCli.OK;
    }

    /** A Net v1 header with the HANDSHAKE flag: the receiver would refuse it as NOT_SEALED. */
    private static boolean looksLikeHandshake(byte[] packet) {
        if (packet.length < NetV1.HEADER_SIZE) {
            return false;
        }
        PacketHeader h = PacketHeader.read(packet);
        return h.magic() == NetV1.MAGIC && h.version() == NetV1.VERSION && h.isHandshake();
    }
}
