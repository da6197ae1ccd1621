# SPDX-License-Identifier: Apache-2.0
# Imported targets for the C libraries discovery uses, found the same way by our build and by
# find_package(Scales): the ZooKeeper C client (no pkg-config file in Debian) and c-ares.
if(NOT TARGET Scales::zookeeper_mt)
  find_path(ZOOKEEPER_INCLUDE_DIR zookeeper/zookeeper.h REQUIRED)
  find_library(ZOOKEEPER_MT_LIBRARY zookeeper_mt REQUIRED)
  add_library(Scales::zookeeper_mt UNKNOWN IMPORTED)
  set_target_properties(Scales::zookeeper_mt PROPERTIES
    IMPORTED_LOCATION "${ZOOKEEPER_MT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ZOOKEEPER_INCLUDE_DIR}")
endif()
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares)
