# SPDX-License-Identifier: Apache-2.0
# scales_thrift_generate(<target> IDL <files>... [INCLUDE_DIRS <dirs>...] [OUT_DIR <dir>])
#
# Makes a static library <target> holding the Thrift struct types and scales service layer of each
# IDL file, with the generated headers on its include path and Scales::runtime linked. List every
# IDL file whose types you use, included ones too: each file's code is compiled once, from its own
# entry. Regenerates when an IDL file or the generator (and so its templates) changes.
#
# Runs SCALES_THRIFT_COMPILER, `thrift-scales --gen scales` (Apache Thrift's compiler with the scales
# generator built in), set in-tree by the top-level build and by ScalesConfig.cmake for an
# installed package.

# The files generating `path` writes that code includes by name: the entry, each service's
# header and source, and Thrift's types header. Declared as outputs so that a build which
# regenerates them also recompiles whatever includes them, and (the generator rewriting only files
# whose bytes change, Ninja restating outputs) only then. Service names are read from the IDL with
# comments and string literals removed; a changed IDL re-runs this at the next build.
function(_scales_thrift_outputs path out_dir result)
  get_filename_component(stem "${path}" NAME_WLE)
  string(REPLACE "." "_" types_stem "${stem}")  # Thrift's C++ generator writes my_api_types.h
  file(READ "${path}" text)
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" " " text "${text}")
  string(REGEX REPLACE "(//|#)[^\n]*" " " text "${text}")
  string(REGEX REPLACE "\"[^\"]*\"|'[^']*'" " " text "${text}")
  string(REGEX MATCHALL "(^|[^A-Za-z0-9_.])service[ \t\r\n]+[A-Za-z_][A-Za-z0-9_]*" found "${text}")
  set(outputs "${out_dir}/${stem}.scales-all.cpp" "${out_dir}/${types_stem}_types.h")
  foreach(match IN LISTS found)
    string(REGEX REPLACE ".*service[ \t\r\n]+" "" service "${match}")
    list(APPEND outputs "${out_dir}/${service}.scales.h" "${out_dir}/${service}.scales.cpp")
  endforeach()
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${path}")
  set(${result} "${outputs}" PARENT_SCOPE)
endfunction()

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
    get_filename_component(stem "${path}" NAME_WLE)
    set(entry "${ARG_OUT_DIR}/${stem}.scales-all.cpp")
    _scales_thrift_outputs("${path}" "${ARG_OUT_DIR}" outputs)
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory "${ARG_OUT_DIR}"
      COMMAND ${SCALES_THRIFT_COMPILER} ${include_flags} --gen scales -out "${ARG_OUT_DIR}" "${path}"
      # The generator rewrites only changed files; touching the entry marks the rule done (for
      # generators without restat) and rebuilds only this library's one source.
      COMMAND ${CMAKE_COMMAND} -E touch "${entry}"
      DEPENDS ${idl_paths} ${SCALES_THRIFT_DEPENDS}
      COMMENT "thrift-scales --gen scales ${stem}.thrift"
      VERBATIM)
    list(APPEND sources "${entry}")
  endforeach()

  add_library(${target} STATIC ${sources})
  target_include_directories(${target} PUBLIC "${ARG_OUT_DIR}")
  target_link_libraries(${target} PUBLIC Scales::runtime)
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()
