#define SWITCHBOARD_VNNI 0
#include "backends/cpu/kernels/avx512.inc"
