#pragma once
// <immintrin.h> for the kernels. GCC 12's AVX-512 intrinsics start from a self-initialised
// "undefined" vector, which -Wmaybe-uninitialized reports at every inlined use: hundreds of
// warnings about the header's own lines in a release build (GCC 13 no longer warns). The
// pragmas cover only the header's lines, so the kernels' own code is still checked.

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
