# SPDX-License-Identifier: Apache-2.0
# `cmake --install` layout: headers, libscales_runtime.a, thrift-scales (the Thrift compiler with
# `--gen scales`), scales-thrift (its front with --check), and a CMake package
# (find_package(Scales CONFIG)) exporting Scales::runtime, Scales::thrift-scales and
# scales_thrift_generate().
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY "${PROJECT_SOURCE_DIR}/runtime/include/scales"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS scales_runtime EXPORT ScalesTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(TARGETS thrift-scales scales-thrift EXPORT ScalesTargets
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
set(SCALES_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Scales")
install(EXPORT ScalesTargets NAMESPACE Scales:: DESTINATION "${SCALES_CMAKE_DIR}")
configure_package_config_file("${PROJECT_SOURCE_DIR}/cmake/ScalesConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/ScalesConfig.cmake" INSTALL_DESTINATION "${SCALES_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ScalesConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/ScalesConfig.cmake"
              "${PROJECT_BINARY_DIR}/ScalesConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/ScalesThrift.cmake"
              "${PROJECT_SOURCE_DIR}/cmake/ScalesSystemLibraries.cmake"
        DESTINATION "${SCALES_CMAKE_DIR}")
