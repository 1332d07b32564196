package dev.netseal.cli;

import dev.netseal.TestJson;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The small parts: numbers, hex, the JSON writer, option parsing, the counter tracker. */
class PartsTest {

    @Test
    void numbersInDecimalAndHexUnsigned() throws UsageException {
        assertEquals(42, Numbers.unsigned("n", "42", 64));
        assertEquals(42, Numbers.unsigned("n", "0x2A", 64));
        assertEquals(-1L, Numbers.unsigned("n", "18446744073709551615", 64));
        assertEquals(Long.MIN_VALUE, Numbers.unsigned("n", "0x8000000000000000", 64));
        assertEquals(255, Numbers.unsigned("n", "255", 8));
        assertEquals(0, Numbers.unsigned("n", "000", 8));
        for (String bad : new String[] {"", "0x", "-0", " 1", "1 ", "1_000", "+5", "0b1", "1e3", "٣"}) {
            assertThrows(UsageException.class, () -> Numbers.unsigned("n", bad, 64), bad);
        }
        UsageException e = assertThrows(UsageException.class, () -> Numbers.unsigned("--x", "256", 8));
        assertEquals("--x: 256 is out of range (0 to 255)", e.getMessage());
        assertEquals(0.5, Numbers.seconds("s", "0.5", 10));
        assertEquals(16, Numbers.seconds("s", "0x10", 60));
        assertThrows(UsageException.class, () -> Numbers.seconds("s", "0.0", 10));
        assertThrows(UsageException.class, () -> Numbers.seconds("s", ".5", 10));
    }

    @Test
    void hexBothWays() throws UsageException {
        assertArrayEquals(new byte[] {0, (byte) 0xab, 0x7f}, Hex.decode("h", "00AB7f"));
        assertEquals("00ab7f", Hex.encode(new byte[] {0, (byte) 0xab, 0x7f}));
        assertArrayEquals(new byte[0], Hex.decode("h", ""));
        assertEquals("h: odd number of hex digits (3); every byte takes two",
                assertThrows(UsageException.class, () -> Hex.decode("h", "abc")).getMessage());
        assertEquals("h: not hex: ' ' at position 2",
                assertThrows(UsageException.class, () -> Hex.decode("h", "ab cd")).getMessage());
    }

    @Test
    void jsonWriterPlacesCommasAndEscapes() {
        String json = new JsonWriter().beginObject()
                .name("a").value(1)
                .name("b").beginArray().value("x").value(-2).beginObject().endObject().beginArray().endArray().endArray()
                .name("c\"").value("q\"\\\n\t\u0001é")
                .name("d").nullValue()
                .endObject().toString();
        assertEquals("{\"a\":1,\"b\":[\"x\",-2,{},[]],\"c\\\"\":\"q\\\"\\\\\\n\\t\\u0001é\",\"d\":null}", json);
        assertEquals("q\"\\\n\t\u0001é", TestJson.object(json).get("c\""));
        StringBuilder deep = new StringBuilder();
        JsonWriter w = new JsonWriter();
        for (int i = 0; i < 20; i++) {
            w.beginArray().value(i);
            deep.append('[').append(i).append(i < 19 ? "," : "");
        }
        for (int i = 0; i < 20; i++) {
            w.endArray();
            deep.append(']');
        }
        assertEquals(deep.toString(), w.toString());
    }

    @Test
    void optionsParse() throws UsageException {
        Options.Spec spec = Options.spec("cmd").option("--a").repeatable("--e").positional("X");
        Options o = spec.parse(List.of("--e", "1", "--a=v", "pos", "--e", "2"));
        assertEquals("v", o.required("--a"));
        assertEquals(List.of("1", "2"), o.all("--e"));
        assertEquals("pos", o.positional(0));
        Options dashed = spec.parse(List.of("--", "--looks-like-an-option"));
        assertEquals("--looks-like-an-option", dashed.positional(0));
        assertEquals("cmd: missing --a",
                assertThrows(UsageException.class, () -> spec.parse(List.of("p")).required("--a")).getMessage());
        assertEquals("cmd: unknown option --b",
                assertThrows(UsageException.class, () -> spec.parse(List.of("--b", "1", "p"))).getMessage());
        assertEquals("cmd: unknown option --b",
                assertThrows(UsageException.class, () -> spec.parse(List.of("p", "--b"))).getMessage());
        assertTrue(assertThrows(UsageException.class, () -> spec.parse(List.of("--a", "1", "--a", "2", "p")))
                .getMessage().contains("more than once"));
    }

    @Test
    void counterTrackerCountsRepeats() {
        CounterTracker t = new CounterTracker();
        assertTrue(t.record(0));
        assertTrue(t.record(5));
        assertTrue(!t.record(5));
        assertTrue(!t.record(5));
        assertTrue(t.record(-1));
        assertTrue(t.record(1L << 40));
        assertEquals(2, t.repeated());
        assertEquals(2, t.untracked());
    }
}
