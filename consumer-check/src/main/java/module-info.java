/**
 * A user's module: it requires netseal, as an application on the module path would, and Jackson
 * to read the golden vectors. Its one program checks that the native backend loads and that the
 * golden vectors seal and open byte for byte.
 */
module example.consumer {
    requires dev.netseal;
    requires com.fasterxml.jackson.databind;
}
