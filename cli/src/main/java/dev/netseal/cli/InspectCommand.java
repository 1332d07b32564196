package dev.netseal.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code netseal inspect PACKET_HEX}: shows a packet's header without a key, with the list of what
 * looks wrong ({@link PacketProblems}). Exits 1 when a problem is found, so that scripts can use it
 * as a check.
 */
final class InspectCommand implements Command {
    private static final Options.Spec SPEC = Options.spec("inspect").positional("PACKET_HEX");

    @Override
    public int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
        Options o = SPEC.parse(args);
        byte[] packet = o.positionalHex(0, "PACKET_HEX");
        List<String> problems = PacketProblems.find(packet);
        JsonWriter w = new JsonWriter().beginObject().name("length").value(packet.length).name("header");
        if (packet.length < dev.netseal.NetV1.HEADER_SIZE) {
            w.nullValue();
        } else {
            HeaderFields.writeJson(HeaderFields.read(packet), w);
        }
        w.name("problems").beginArray();
        for (String p : problems) {
            w.value(p);
        }
        out.println(w.endArray().endObject());
        if (!problems.isEmpty()) {
            err.println("netseal: inspect: " + problems.size() + " problem(s) found");
            return NetsealCli.FAILED;
        }
        return NetsealCli.OK;
    }
}
