# core_notify: notification routing, dedup/repeat (nflog), delivery classification and retry
# state machine, token buckets. Pure. Included from src/core/CMakeLists.txt (paths relative to
# src/core). The notification model header (model/notification.h) is listed here, with its names.
secplat_cc_library(
  NAME core_notify
  HDRS ${CMAKE_CURRENT_SOURCE_DIR}/model/notification.h
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/matcher.h
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/route.h
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/dedup.h
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/delivery.h
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/rate_limit.h
  SRCS ${CMAKE_CURRENT_SOURCE_DIR}/notify/names.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/matcher.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/route.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/dedup.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/delivery.cc
       ${CMAKE_CURRENT_SOURCE_DIR}/notify/rate_limit.cc
  DEPS secplat::core_model secplat::core_contracts
)
