package dev.netseal.cli;

/**
 * Writes one compact JSON value (no spaces, one line) into a string: objects, arrays, strings,
 * integers, null. Commas are placed automatically; the caller only names members and closes
 * what it opened. Just what the CLI prints, so that it needs no JSON library.
 */
final class JsonWriter {
    private final StringBuilder out = new StringBuilder();
    /** Per nesting level: has the container at that level got a member yet (needs a comma)? */
    private boolean[] hasMember = new boolean[8];
    private int depth;
    /** True right after {@link #name}: the value that follows takes no comma. */
    private boolean afterName;

    /** Opens an object: members follow as {@code name(...)} then a value. */
    JsonWriter beginObject() {
        beforeValue();
        out.append('{');
        push();
        return this;
    }

    /** Closes the innermost object. */
    JsonWriter endObject() {
        depth--;
        out.append('}');
        return this;
    }

    /** Opens an array. */
    JsonWriter beginArray() {
        beforeValue();
        out.append('[');
        push();
        return this;
    }

    /** Closes the innermost array. */
    JsonWriter endArray() {
        depth--;
        out.append(']');
        return this;
    }

    /** Names the next member of the object being written. */
    JsonWriter name(String name) {
        beforeValue();
        string(name);
        out.append(':');
        afterName = true;
        return this;
    }

    /** A string value, escaped as JSON requires. */
    JsonWriter value(String value) {
        beforeValue();
        string(value);
        return this;
    }

    /** An integer value. */
    JsonWriter value(long value) {
        beforeValue();
        out.append(value);
        return this;
    }

    /** The value null. */
    JsonWriter nullValue() {
        beforeValue();
        out.append("null");
        return this;
    }

    /** Everything written so far. */
    @Override
    public String toString() {
        return out.toString();
    }

    private void push() {
        if (++depth == hasMember.length) {
            hasMember = java.util.Arrays.copyOf(hasMember, depth * 2);
        }
        hasMember[depth] = false;
    }

    private void beforeValue() {
        if (afterName) {
            afterName = false;
            return;
        }
        if (depth > 0) {
            if (hasMember[depth]) {
                out.append(',');
            }
            hasMember[depth] = true;
        }
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }
}
