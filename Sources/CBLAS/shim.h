// OpenBLAS's CBLAS interface (Debian: libopenblas-dev), and its thread control.
#include <cblas.h>
