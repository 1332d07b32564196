package dev.netseal.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The arguments of one command: {@code --name value} (or {@code --name=value}) options, then
 * positional arguments, checked against what the command accepts. Every option takes a value;
 * an option given twice is an error unless the command declares it repeatable (like
 * {@code --event}). Typed getters turn values into keys, hex and numbers, naming the option in
 * every error.
 */
final class Options {

    /** The size of a ChaCha20-Poly1305 key, which {@code --key} must be exactly. */
    static final int KEY_SIZE = 32;

    /** What a command accepts. Build it with the chained methods, then {@link #parse}. */
    static final class Spec {
        private final String command;
        private final Set<String> single = new LinkedHashSet<>();
        private final Set<String> repeatable = new LinkedHashSet<>();
        private final List<String> positionals = new ArrayList<>();

        private Spec(String command) {
            this.command = command;
        }

        /** Accepts {@code --name value} at most once. */
        Spec option(String name) {
            single.add(name);
            return this;
        }

        /** Accepts {@code --name value} any number of times, in order. */
        Spec repeatable(String name) {
            repeatable.add(name);
            return this;
        }

        /** Requires one positional argument, called {@code name} in errors. */
        Spec positional(String name) {
            positionals.add(name);
            return this;
        }

        /** Parses {@code args}; anything the spec does not accept is a usage error. */
        Options parse(List<String> args) throws UsageException {
            Map<String, List<String>> values = new LinkedHashMap<>();
            List<String> given = new ArrayList<>();
            boolean optionsEnded = false;
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                if (!optionsEnded && arg.equals("--")) {
                    optionsEnded = true; // the usual escape, for a positional that starts with "--"
                    continue;
                }
                if (optionsEnded || !arg.startsWith("--")) {
                    given.add(arg);
                    continue;
                }
                String name = arg;
                String value;
                int eq = arg.indexOf('=');
                if (eq > 0) {
                    name = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                } else {
                    // The next argument is the value, unless it is missing or is itself an option:
                    // "--counter --stream 1" is a forgotten value, not a counter called "--stream".
                    if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                        checkKnown(name);
                        throw new UsageException(command + ": " + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                checkKnown(name);
                List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
                if (!list.isEmpty() && !repeatable.contains(name)) {
                    throw new UsageException(command + ": " + name + " given more than once");
                }
                list.add(value);
            }
            if (given.size() > positionals.size()) {
                throw new UsageException(command + ": unexpected argument '" + given.get(positionals.size())
                        + "'" + (positionals.isEmpty() ? " (it takes no positional argument)" : ""));
            }
            if (given.size() < positionals.size()) {
                throw new UsageException(command + ": missing " + positionals.get(given.size()));
            }
            return new Options(command, values, given);
        }

        private void checkKnown(String name) throws UsageException {
            if (!single.contains(name) && !repeatable.contains(name)) {
                throw new UsageException(command + ": unknown option " + name);
            }
        }
    }

    private final String command;
    private final Map<String, List<String>> values;
    private final List<String> positionals;

    private Options(String command, Map<String, List<String>> values, List<String> positionals) {
        this.command = command;
        this.values = values;
        this.positionals = positionals;
    }

    /** A spec for {@code command}, which names the command in every error. */
    static Spec spec(String command) {
        return new Spec(command);
    }

    /** The value of {@code name}, or null when it was not given. */
    String optional(String name) {
        List<String> list = values.get(name);
        return list == null ? null : list.get(0);
    }

    /** The value of {@code name}; a usage error when it was not given. */
    String required(String name) throws UsageException {
        String v = optional(name);
        if (v == null) {
            throw new UsageException(command + ": missing " + name);
        }
        return v;
    }

    /** Every value of a repeatable option, in the order given (empty if none). */
    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    /** Positional argument {@code i}. */
    String positional(int i) {
        return positionals.get(i);
    }

    /** A required 32-byte key in hex. A key of any other length is refused here, by name. */
    byte[] key(String name) throws UsageException {
        byte[] key = Hex.decode(command + " " + name, required(name));
        if (key.length != KEY_SIZE) {
            throw new UsageException(command + ": " + name + " must be exactly " + KEY_SIZE + " bytes ("
                    + 2 * KEY_SIZE + " hex digits), got " + key.length + " bytes (" + 2 * key.length
                    + " hex digits)");
        }
        return key;
    }

    /** A required unsigned number of {@code bits} bits (64: the whole unsigned range). */
    long unsigned(String name, int bits) throws UsageException {
        return Numbers.unsigned(command + " " + name, required(name), bits);
    }

    /** An optional unsigned number of {@code bits} bits, {@code fallback} when absent. */
    long unsigned(String name, int bits, long fallback) throws UsageException {
        String v = optional(name);
        return v == null ? fallback : Numbers.unsigned(command + " " + name, v, bits);
    }

    /** An optional int in {@code [min, max]}, {@code fallback} when absent. */
    int intInRange(String name, int min, int max, int fallback) throws UsageException {
        String v = optional(name);
        return v == null ? fallback : Numbers.intInRange(command + " " + name, v, min, max);
    }

    /** An optional duration in seconds in {@code (0, max]}, {@code fallback} when absent. */
    double seconds(String name, double max, double fallback) throws UsageException {
        String v = optional(name);
        return v == null ? fallback : Numbers.seconds(command + " " + name, v, max);
    }

    /** An optional percentage in {@code [0, 100]}, {@code fallback} when absent. */
    double percent(String name, double fallback) throws UsageException {
        String v = optional(name);
        if (v == null) {
            return fallback;
        }
        double p;
        try {
            p = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            p = Double.NaN;
        }
        if (!(p >= 0 && p <= 100)) {
            throw new UsageException(command + " " + name + " must be a percentage from 0 to 100, got " + v);
        }
        return p;
    }

    /** Hex bytes from positional argument {@code i}, called {@code what} in errors. */
    byte[] positionalHex(int i, String what) throws UsageException {
        return Hex.decode(command + " " + what, positional(i));
    }

    /** Hex bytes of every value of a repeatable option. */
    List<byte[]> allHex(String name) throws UsageException {
        List<byte[]> out = new ArrayList<>();
        List<String> list = all(name);
        for (int i = 0; i < list.size(); i++) {
            out.add(Hex.decode(command + " " + name + " #" + (i + 1), list.get(i)));
        }
        return out;
    }
}
