package dev.netseal;

import dev.netseal.internal.receive.OpenResults;
import dev.netseal.internal.wire.RefusalText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.PacketException.Reason;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sentence of every refusal: each reason's wording, and each of its branches, with the numbers
 * the receive path recorded in it. A log line that lost the counter or the length it refused
 * would hide why a packet was dropped.
 */
class RefusalTextTest {

    /** Every reason, and for a reason with branches every branch: (reason, a, b, the whole sentence). */
    static Stream<Arguments> sentences() {
        return Stream.of(
                Arguments.of(Reason.TRUNCATED, 12, NetV1.HEADER_SIZE, "12 bytes, a header alone is 68"),
                Arguments.of(Reason.TRUNCATED, 100, 137, "100 bytes, the header announces 137"),
                Arguments.of(Reason.BAD_MAGIC, 0xBEEF, 0, "magic 0xbeef, not 0x4e45"),
                Arguments.of(Reason.BAD_VERSION, 7, 0, "version 7, this library speaks 1"),
                Arguments.of(Reason.NOT_SEALED, 0, 0,
                        "a handshake packet is sent in clear: read it with HandshakeReader, not open()"),
                Arguments.of(Reason.NOT_HANDSHAKE, 0x03, 0, "flags 0x03 lack HANDSHAKE (0x10): open() sealed packets"),
                Arguments.of(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_FLAGS, 0x13,
                        "flags 0x13: a handshake carries HANDSHAKE alone"),
                Arguments.of(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_SESSION, -2L,
                        "session_id 18446744073709551614: a handshake's session id and nonce are zero"),
                Arguments.of(Reason.BAD_HANDSHAKE, RefusalText.HANDSHAKE_NONCE, 0,
                        "nonce not zero: a handshake's session id and nonce are zero"),
                Arguments.of(Reason.BAD_LENGTH, 9000, RefusalText.PAYLOAD_TOO_LARGE,
                        "payload_len 9000 is more than a packet can carry (" + NetV1.MAX_PAYLOAD_SIZE + " sealed, "
                                + HandshakeReader.MAX_PAYLOAD + " in a handshake)"),
                Arguments.of(Reason.BAD_LENGTH, 150, 140, "150 bytes, the header announces 140"),
                Arguments.of(Reason.TOO_MANY_EVENTS, 5000, 0, "event_count 5000 > " + NetV1.MAX_EVENTS_PER_PACKET),
                Arguments.of(Reason.WRONG_SESSION, -1L, 0, "no key for session 18446744073709551615"),
                Arguments.of(Reason.WRONG_NONCE_PREFIX, 0xCAFEF00DL, 0x12L,
                        "nonce prefix 0xcafef00d, the session's is 0x00000012"),
                Arguments.of(Reason.BAD_COUNTER, -1L, 0, "counter 2^64-1 is never used"),
                Arguments.of(Reason.REPLAYED, -3L, 0, "counter 18446744073709551613 was already accepted"),
                Arguments.of(Reason.TOO_OLD, 5, 1000,
                        "counter 5 is a whole window or more behind the highest accepted, 1000"),
                Arguments.of(Reason.AUTH_FAILED, 42, 0, "tag did not verify (counter 42)"),
                Arguments.of(Reason.BAD_FRAMES, RefusalText.AFTER_LAST_EVENT, 3, "3 bytes after the last event"),
                Arguments.of(Reason.BAD_FRAMES, 2, 11, "event 2 does not fit in the 11 payload bytes left"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("sentences")
    void refusalNeverHidesItsNumbersOrChangesItsWording(Reason reason, long a, long b, String sentence) {
        assertEquals(sentence, RefusalText.of(reason, a, b));
    }

    /** The table above covers every reason, so a reason added later without a row fails here. */
    @Test
    void noReasonIsLeftWithoutAPinnedSentence() {
        Set<Reason> pinned = EnumSet.noneOf(Reason.class);
        sentences().forEach(args -> pinned.add((Reason) args.get()[0]));
        assertEquals(EnumSet.allOf(Reason.class), pinned);
    }

    /** No reason's sentence is empty or falls back to the bare name of the reason. */
    @ParameterizedTest
    @EnumSource(Reason.class)
    void refusalNeverFallsBackToItsBareName(Reason reason) {
        String text = RefusalText.of(reason, 1234, 5678);
        assertNotNull(text);
        assertFalse(text.isBlank(), reason + " has no sentence");
        assertFalse(text.contains(reason.name()), reason + "'s sentence repeats its name: " + text);
    }

    /** The branch of a reason is chosen by its marker value only; a neighbouring value keeps the other wording. */
    @Test
    void aMarkerNeverMatchesItsNeighbours() {
        for (long b : List.of((long) NetV1.HEADER_SIZE - 1, (long) NetV1.HEADER_SIZE + 1)) {
            assertTrue(RefusalText.of(Reason.TRUNCATED, 10, b).contains("the header announces " + b));
        }
        assertEquals("0 bytes, the header announces 0", RefusalText.of(Reason.BAD_LENGTH, 0, 0));
        assertEquals("event 0 does not fit in the 4 payload bytes left", RefusalText.of(Reason.BAD_FRAMES, 0, 4));
    }

    /** The receive path's refusal carries the same sentence as the text built from its numbers. */
    @Test
    void openedPacketNeverReportsAnotherSentence() {
        OpenedPacket out = new OpenedPacket();
        OpenResults.refuse(out, Reason.TOO_OLD, 7, 900);
        assertEquals("counter 7 is a whole window or more behind the highest accepted, 900", out.refusalDetail());
        assertEquals("TOO_OLD: counter 7 is a whole window or more behind the highest accepted, 900",
                out.refusalException().getMessage());
    }
}
