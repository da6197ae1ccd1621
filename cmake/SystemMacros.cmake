# SPDX-License-Identifier: Apache-2.0
# cmake -DCXX=... -DPROBE=... -DINCLUDE=... -DOUTPUT=... -P SystemMacros.cmake
# Writes OUTPUT: every macro name defined once PROBE's headers are included (GNU mode, so `linux`
# and `unix` count), sorted, as C string literals for generator/idl/name_rules.cpp.
execute_process(
  COMMAND "${CXX}" -std=gnu++20 -dM -E -I "${INCLUDE}" -x c++ "${PROBE}"
  OUTPUT_VARIABLE defines
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "SystemMacros: preprocessing ${PROBE} failed")
endif()
string(REGEX MATCHALL "#define [A-Za-z_][A-Za-z0-9_]*" names "${defines}")
list(TRANSFORM names REPLACE "^#define " "")
list(REMOVE_DUPLICATES names)
list(SORT names)
set(body "")
foreach(name IN LISTS names)
  string(APPEND body "\"${name}\",\n")
endforeach()
set(previous "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" previous)
endif()
if(NOT previous STREQUAL body)
  file(WRITE "${OUTPUT}" "${body}")
endif()
