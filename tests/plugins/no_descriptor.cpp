// A shared library that is not a plugin: it exports something, but no descriptor.
#include <boost/config.hpp>

extern "C" BOOST_SYMBOL_EXPORT int unrelated_function() { return 42; }
