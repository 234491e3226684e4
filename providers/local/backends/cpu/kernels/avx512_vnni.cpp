#define SWITCHBOARD_VNNI 1
#include "backends/cpu/kernels/avx512.inc"
