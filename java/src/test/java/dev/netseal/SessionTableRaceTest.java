package dev.netseal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.internal.aead.AeadBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * add, rekey and remove racing on a few session ids never leave an id mapped to a closed
 * session: once every id is removed the table is empty, and every id can be added again.
 */
class SessionTableRaceTest {

    @ParameterizedTest
    @MethodSource("dev.netseal.TestBackends#names")
    void racingAddRekeyAndRemoveNeverLeaveAnIdOnAClosedSession(String backendName) throws Exception {
        AeadBackend backend = TestBackends.get(backendName);
        int ids = 8;
        int threads = 4;
        int ops = 20_000;
        long seed = TestSeeds.seed();
        try (SessionTable table = SessionTable.builderOnBackend(backend).build()) {
            List<Throwable> unexpected = new CopyOnWriteArrayList<>();
            CountDownLatch start = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                SplittableRandom rnd = new SplittableRandom(seed + t);
                Thread th = new Thread(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < ops; i++) {
                            long id = 1 + rnd.nextInt(ids);
                            byte[] key = new byte[32];
                            for (int b = 0; b < key.length; b += 8) {
                                long r = rnd.nextLong();
                                for (int j = 0; j < 8; j++) {
                                    key[b + j] = (byte) (r >>> (8 * j));
                                }
                            }
                            try {
                                switch (rnd.nextInt(3)) {
                                    case 0 -> table.add(key, id);
                                    case 1 -> table.rekey(id, key, 1 + rnd.nextInt(ids));
                                    default -> table.remove(id);
                                }
                            } catch (IllegalStateException | IllegalArgumentException refused) {
                                // an id in use, none to rekey, a closed session: all fine under a race
                            }
                        }
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                });
                ts.add(th);
                th.start();
            }
            start.countDown();
            for (Thread th : ts) {
                th.join();
            }
            assertEquals(List.of(), unexpected);
            for (long id = 1; id <= ids; id++) {
                table.remove(id);
                table.remove(id); // a session in its grace period answers to two ids
            }
            assertEquals(0, table.size(), "ids left mapped to sessions nobody can reach");
            for (long id = 1; id <= ids; id++) {
                byte[] key = new byte[32];
                key[0] = (byte) id;
                key[1] = (byte) 0xEE;
                table.add(key, id);
                assertTrue(table.contains(id));
            }
        }
    }
}
