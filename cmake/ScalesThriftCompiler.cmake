# SPDX-License-Identifier: Apache-2.0
# thrift-scales: Apache Thrift 0.17's compiler with the scales generator built in, so
# `thrift-scales --gen scales` and every stock generator (`--gen cpp`, `--gen py`, ...) work.
#
# Thrift's source comes from SCALES_THRIFT_SOURCE (a directory or a tarball) or, when that is
# empty, from Debian's `thrift` source package, fetched once by scripts/fetch_thrift_source.sh into
# SCALES_THRIFT_SOURCE_CACHE (shared by every build tree of the machine's user).
set(SCALES_THRIFT_VERSION 0.17.0)
set(SCALES_THRIFT_SOURCE "" CACHE PATH
    "Apache Thrift ${SCALES_THRIFT_VERSION} source: a directory or a tarball (empty: fetch once)")
if(DEFINED ENV{XDG_CACHE_HOME} AND NOT "$ENV{XDG_CACHE_HOME}" STREQUAL "")
  set(_scales_cache_root "$ENV{XDG_CACHE_HOME}")
else()
  set(_scales_cache_root "$ENV{HOME}/.cache")
endif()
set(SCALES_THRIFT_SOURCE_CACHE "${_scales_cache_root}/scales-cpp/thrift-${SCALES_THRIFT_VERSION}"
    CACHE PATH "Where the fetched Apache Thrift source is kept between builds")

# Sets `out` to the root of a Thrift source tree (the folder holding compiler/cpp).
function(_scales_thrift_source_root out)
  set(root "")
  if(SCALES_THRIFT_SOURCE)
    get_filename_component(given "${SCALES_THRIFT_SOURCE}" ABSOLUTE BASE_DIR "${CMAKE_BINARY_DIR}")
    if(IS_DIRECTORY "${given}")
      set(root "${given}")
    elseif(EXISTS "${given}")
      set(unpacked "${CMAKE_BINARY_DIR}/_thrift_source")
      file(TIMESTAMP "${given}" stamp "%s")
      set(previous "")
      if(EXISTS "${unpacked}/.from")
        file(READ "${unpacked}/.from" previous)
      endif()
      if(NOT previous STREQUAL "${given} ${stamp}")  # another tarball, or the same one changed
        file(REMOVE_RECURSE "${unpacked}")
        file(ARCHIVE_EXTRACT INPUT "${given}" DESTINATION "${unpacked}")
        file(WRITE "${unpacked}/.from" "${given} ${stamp}")
      endif()
      file(GLOB candidates LIST_DIRECTORIES true "${unpacked}" "${unpacked}/*")
      foreach(candidate IN LISTS candidates)
        if(EXISTS "${candidate}/compiler/cpp/src/thrift/main.cc")
          set(root "${candidate}")
        endif()
      endforeach()
    else()
      message(FATAL_ERROR "SCALES_THRIFT_SOURCE=${SCALES_THRIFT_SOURCE}: no such file or directory")
    endif()
  else()
    set(root "${SCALES_THRIFT_SOURCE_CACHE}")
    if(NOT EXISTS "${root}/compiler/cpp/src/thrift/main.cc")
      message(STATUS "Fetching Apache Thrift ${SCALES_THRIFT_VERSION} source into ${root}")
      execute_process(
        COMMAND bash "${PROJECT_SOURCE_DIR}/scripts/fetch_thrift_source.sh" "${root}"
        RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "Could not fetch Apache Thrift's source (see above). Pass "
                            "-DSCALES_THRIFT_SOURCE=<directory or tarball> of Apache Thrift "
                            "${SCALES_THRIFT_VERSION} instead.")
      endif()
    endif()
  endif()
  set(version_h "${root}/compiler/cpp/src/thrift/version.h")
  if(NOT root OR NOT EXISTS "${version_h}")
    message(FATAL_ERROR "SCALES_THRIFT_SOURCE=${SCALES_THRIFT_SOURCE}: not an Apache Thrift source "
                        "tree (no compiler/cpp/src/thrift/version.h)")
  endif()
  file(STRINGS "${version_h}" version_line REGEX "define THRIFT_VERSION ")
  if(NOT version_line MATCHES "\"${SCALES_THRIFT_VERSION}\"")
    message(FATAL_ERROR "${root} is Apache Thrift ${version_line}; scales needs "
                        "${SCALES_THRIFT_VERSION} (its generators and runtime must match "
                        "libthrift ${SCALES_THRIFT_VERSION})")
  endif()
  set(${out} "${root}" PARENT_SCOPE)
endfunction()

# Thrift's parser is made by flex and bison: say so before anything is downloaded.
find_package(FLEX)
find_package(BISON)
if(NOT FLEX_FOUND OR NOT BISON_FOUND)
  message(FATAL_ERROR "thrift-scales needs flex and bison to build Thrift's parser "
                      "(Debian: apt-get install flex bison; scripts/setup.sh installs them)")
endif()

_scales_thrift_source_root(SCALES_THRIFT_SOURCE_ROOT)
set(_thrift_src "${SCALES_THRIFT_SOURCE_ROOT}/compiler/cpp/src")
set(_thrift_parser_dir "${CMAKE_CURRENT_BINARY_DIR}/thrift_parser")
file(MAKE_DIRECTORY "${_thrift_parser_dir}/thrift")
BISON_TARGET(scales_thrifty "${_thrift_src}/thrift/thrifty.yy"
             "${_thrift_parser_dir}/thrift/thrifty.cc"
             DEFINES_FILE "${_thrift_parser_dir}/thrift/thrifty.hh")
FLEX_TARGET(scales_thriftl "${_thrift_src}/thrift/thriftl.ll" "${_thrift_parser_dir}/thrift/thriftl.cc")
ADD_FLEX_BISON_DEPENDENCY(scales_thriftl scales_thrifty)

# Thrift's own compiler, every stock generator included, as Thrift's build lists it. Built as a
# tool: warnings are Thrift's to fix, and sanitizers stay out (its parse tree lives until exit).
file(GLOB _thrift_stock_generators "${_thrift_src}/thrift/generate/t_*_generator.cc")
add_library(thrift_compiler_stock OBJECT
  "${_thrift_src}/thrift/main.cc"
  "${_thrift_src}/thrift/common.cc"
  "${_thrift_src}/thrift/audit/t_audit.cpp"
  "${_thrift_src}/thrift/generate/t_generator.cc"
  "${_thrift_src}/thrift/parse/t_typedef.cc"
  "${_thrift_src}/thrift/parse/parse.cc"
  ${_thrift_stock_generators}
  ${BISON_scales_thrifty_OUTPUTS}
  ${FLEX_scales_thriftl_OUTPUTS})
target_include_directories(thrift_compiler_stock SYSTEM PUBLIC "${_thrift_src}" "${_thrift_parser_dir}")
# -O1 is plenty for a tool that reads small files; a Debug tree (the sanitizer build) spends no
# time optimizing it at all.
set_property(TARGET thrift_compiler_stock PROPERTY COMPILE_OPTIONS -w -g0 $<IF:$<CONFIG:Debug>,-O0,-O1>)
set_property(TARGET thrift_compiler_stock PROPERTY CXX_STANDARD 17)
