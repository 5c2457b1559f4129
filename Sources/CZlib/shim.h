// zlib (Debian: zlib1g-dev), for gzipped data files.
#include <zlib.h>

/// inflateInit2 is a macro; Swift calls it through this function. 16 + MAX_WBITS
/// makes zlib expect a gzip header.
static inline int vaelab_inflate_init_gzip(z_stream *stream) {
  return inflateInit2(stream, 16 + MAX_WBITS);
}
