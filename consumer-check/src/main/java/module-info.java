/**
 * A user's module: it requires netseal and nothing else, as an application on the module path
 * would. Its one program checks that the native backend loads and that the golden vectors seal
 * and open byte for byte.
 */
module example.consumer {
    requires dev.netseal;
}
