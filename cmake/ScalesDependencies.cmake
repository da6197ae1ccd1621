# SPDX-License-Identifier: Apache-2.0
# Every third-party dependency, all from Debian bookworm packages (scripts/setup.sh installs them).
find_package(Boost 1.81...<1.82 REQUIRED CONFIG)
find_package(PkgConfig REQUIRED)
pkg_check_modules(THRIFT REQUIRED IMPORTED_TARGET thrift>=0.17)
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json REQUIRED CONFIG)
find_program(THRIFT_COMPILER thrift REQUIRED)
include(${CMAKE_CURRENT_LIST_DIR}/ScalesSystemLibraries.cmake)
