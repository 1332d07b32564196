package dev.netseal.bench;

import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Row pool / commons-pool2: Apache commons-pool2's {@link GenericObjectPool},
 * {@code borrowObject()} then {@code returnObject(obj)}, default settings except a capacity of
 * {@value #POOL_SIZE} and no JMX registration.
 */
public class CommonsPool2Bench extends AbstractPoolBench {

    static final class ThingFactory extends BasePooledObjectFactory<Thing> {
        @Override
        public Thing create() {
            return new Thing();
        }

        @Override
        public PooledObject<Thing> wrap(Thing thing) {
            return new DefaultPooledObject<>(thing);
        }
    }

    private GenericObjectPool<Thing> pool;

    @Setup(Level.Trial)
    public void setUp() {
        GenericObjectPoolConfig<Thing> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(POOL_SIZE);
        config.setMaxIdle(POOL_SIZE);
        config.setJmxEnabled(false);
        pool = new GenericObjectPool<>(new ThingFactory(), config);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Override
    protected Object acquireRelease() {
        Thing t;
        try {
            t = pool.borrowObject();
        } catch (Exception e) {
            throw new IllegalStateException("borrowObject failed", e);
        }
        pool.returnObject(t);
        return t;
    }
}
