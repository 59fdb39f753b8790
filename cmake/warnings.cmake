# Every warning flag, in one place. Applied to SecPlat's own targets by the helpers.
set(SECPLAT_WARNING_FLAGS
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough -Wformat=2
  -Wno-missing-field-initializers  # designated initialisers leave the rest defaulted on purpose
  -Wno-restrict  # g++ 12 false positives inside libstdc++ at -O2
)
if(SECPLAT_WERROR)
  list(APPEND SECPLAT_WARNING_FLAGS -Werror)
endif()

if(SECPLAT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
