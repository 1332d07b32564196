package dev.netseal.netty.example;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netseal.netty.LeakWatchAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** README's example runs: every message is echoed, sealed both ways, nothing refused, nothing leaked. */
@ExtendWith(LeakWatchAccess.class)
class EchoExampleTest {
    @Test
    void exampleNeverLosesAnEcho() throws Exception {
        assertTrue(EchoExample.run(2000));
    }
}
