package dev.netseal;

import static dev.netseal.NetV1.AAD_SIZE;
import static dev.netseal.NetV1.HEADER_SIZE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.netseal.internal.wire.HeaderLayout;
import dev.netseal.internal.wire.Wire;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The seal path has the AAD inside the header, over the nonce's bytes, as
 * {@link Wire#writeHeaderStart} leaves it, while the receiver assembles it elsewhere
 * ({@link Wire#writeAad}). A packet seals and opens only if both give the very same 56 bytes.
 */
class InPlaceAadTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void headerStartLeavesTheAadTheReceiverAssembles() {
        SplittableRandom random = new SplittableRandom(10);
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            for (int base : new int[] {0, 1, 7}) {
                for (int trial = 0; trial < 50; trial++) {
                    ByteBuffer header = ByteBuffer.allocate(base + HEADER_SIZE + 8).order(order);
                    for (int i = 0; i < header.capacity(); i++) {
                        header.put(i, (byte) random.nextInt(256)); // stale bytes of an earlier packet
                    }
                    Wire.writeHeaderStart(header, base, random.nextInt(256), random.nextInt(0x10000),
                            random.nextInt(0x10000), random.nextLong(), random.nextLong(), random.nextLong(),
                            random.nextLong());
                    Wire.writeLengths(header, base, random.nextInt(0x10000), random.nextInt(0x10000));

                    ByteBuffer assembled = ByteBuffer.allocate(AAD_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                    Wire.writeAad(header, base, assembled, 0);

                    String at = order + ", base " + base + ", trial " + trial;
                    assertEquals(HEX.formatHex(bytes(assembled, 0, AAD_SIZE)),
                            HEX.formatHex(bytes(header, base + Wire.AAD_IN_PLACE, AAD_SIZE)), at);
                    // The fields the header start leaves zero, forwarders' hop_count among them.
                    assertEquals(0, header.getInt(base + HeaderLayout.PRIORITY), "priority..frag_flags, " + at);
                    assertEquals(0L, header.getLong(base + HeaderLayout.SUBNET_ID), "subnet..fragment, " + at);
                }
            }
        }
    }

    private static byte[] bytes(ByteBuffer b, int from, int length) {
        byte[] out = new byte[length];
        b.get(from, out);
        return out;
    }
}
