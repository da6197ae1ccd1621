# SPDX-License-Identifier: Apache-2.0
# Warnings are errors on our own code; third-party and Thrift-generated type code come in as SYSTEM.
function(scales_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Werror -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    # g++ 12 at -O2 reports a false -Wmismatched-new-delete inside Asio 1.81's recycling
    # allocator (operator new/delete pairs it cannot see through); every other warning stays fatal.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>
    # g++ 12 at -O3 (Release) reports a false -Wrestrict ("may overlap") in libstdc++'s
    # operator+ on std::string (GCC bug 105329); still a warning, no longer an error.
    $<$<CXX_COMPILER_ID:GNU>:-Wno-error=restrict>)
endfunction()
