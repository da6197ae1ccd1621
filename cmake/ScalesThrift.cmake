# SPDX-License-Identifier: Apache-2.0
# scales_thrift_generate(<target> IDL <files>... [INCLUDE_DIRS <dirs>...] [OUT_DIR <dir>])
#
# Makes a static library <target> holding the Thrift struct types and scales service layer of each
# IDL file, with the generated headers on its include path and Scales::runtime linked. List every
# IDL file whose types you use, included ones too: each file's code is compiled once, from its own
# entry. Regenerates when an IDL file or the generator (and so its templates) changes.
#
# Needs SCALES_THRIFT_EXECUTABLE (set in-tree by the top-level build, or by ScalesConfig.cmake)
# and the Apache Thrift compiler (THRIFT_COMPILER, found on PATH if unset).
if(NOT THRIFT_COMPILER)
  find_program(THRIFT_COMPILER thrift REQUIRED)
endif()

function(scales_thrift_generate target)
  cmake_parse_arguments(ARG "" "OUT_DIR" "IDL;INCLUDE_DIRS" ${ARGN})
  if(NOT ARG_IDL)
    message(FATAL_ERROR "scales_thrift_generate(${target}): give at least one file after IDL")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "scales_thrift_generate(${target}): unknown arguments "
                        "${ARG_UNPARSED_ARGUMENTS}; expected IDL, INCLUDE_DIRS, OUT_DIR")
  endif()
  if(NOT ARG_OUT_DIR)
    set(ARG_OUT_DIR "${CMAKE_CURRENT_BINARY_DIR}/${target}.gen")
  endif()

  set(idl_paths)
  foreach(idl IN LISTS ARG_IDL)
    get_filename_component(path "${idl}" ABSOLUTE)
    list(APPEND idl_paths "${path}")
  endforeach()
  set(include_flags)
  foreach(dir IN LISTS ARG_INCLUDE_DIRS)
    get_filename_component(dir "${dir}" ABSOLUTE)
    list(APPEND include_flags -I "${dir}")
  endforeach()

  set(sources)
  foreach(path IN LISTS idl_paths)
    get_filename_component(stem "${path}" NAME_WE)
    set(entry "${ARG_OUT_DIR}/${stem}.scales-all.cpp")
    add_custom_command(
      OUTPUT "${entry}"
      COMMAND ${SCALES_THRIFT_EXECUTABLE} --out "${ARG_OUT_DIR}" --thrift "${THRIFT_COMPILER}"
              ${include_flags} "${path}"
      # The generator rewrites only changed files; the stamp keeps this rule from rerunning.
      COMMAND ${CMAKE_COMMAND} -E touch "${entry}"
      DEPENDS ${idl_paths} ${SCALES_THRIFT_DEPENDS}
      COMMENT "scales-thrift ${stem}.thrift"
      VERBATIM)
    list(APPEND sources "${entry}")
  endforeach()

  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${ARG_OUT_DIR}")
  target_link_libraries(${target} PUBLIC Scales::runtime)
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()
