# SPDX-License-Identifier: Apache-2.0
# Run as `cmake -DINPUT=file -DOUTPUT=file.cpp -DNAMESPACE=ns -DFUNCTION=name -DHEADER=h.h
# -P EmbedFile.cmake`: writes a C++ file defining `std::string_view ns::name()` that returns the
# input file's bytes, so a runtime asset (the admin page) ships inside the library.
file(READ "${INPUT}" text)
set(delimiter "scales_embed")
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw string delimiter )${delimiter}\"")
endif()
set(body "// Generated from ${INPUT} by cmake/EmbedFile.cmake. DO NOT EDIT.\n")
string(APPEND body "#include \"${HEADER}\"\n\nnamespace ${NAMESPACE} {\n\n")
string(APPEND body "std::string_view ${FUNCTION}() {\n")
string(APPEND body "  static constexpr std::string_view text = R\"${delimiter}(${text})${delimiter}\";\n")
string(APPEND body "  return text;\n}\n\n}  // namespace ${NAMESPACE}\n")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL body)
  file(WRITE "${OUTPUT}" "${body}")
endif()
