# Compile options for framepipe's own targets: tests, examples, benchmarks and the
# header-verification targets. Never applied to the library targets themselves, so nothing
# here reaches a consumer's compile line.
#
#   framepipe_warning_flags(<var>)       the warning flags, as a list (for directory scopes)
#   framepipe_add_warnings(<target>)     -Wall -Wextra -Wpedantic (+ -Werror if FRAMEPIPE_WERROR)
#   framepipe_add_sanitizers(<target>)   ASan + UBSan on compile and link if FRAMEPIPE_SANITIZE,
#                                        ThreadSanitizer if FRAMEPIPE_TSAN

include_guard(GLOBAL)

function(framepipe_warning_flags out_var)
  if(MSVC)
    set(flags /W4 /permissive-)
    if(FRAMEPIPE_WERROR)
      list(APPEND flags /WX)
    endif()
  else()
    set(flags -Wall -Wextra -Wpedantic)
    if(FRAMEPIPE_WERROR)
      list(APPEND flags -Werror)
    endif()
  endif()
  set(${out_var} "${flags}" PARENT_SCOPE)
endfunction()

function(framepipe_add_warnings target)
  framepipe_warning_flags(flags)
  target_compile_options(${target} PRIVATE "$<$<COMPILE_LANGUAGE:CXX>:${flags}>")
endfunction()

function(framepipe_add_sanitizers target)
  if(FRAMEPIPE_SANITIZE AND FRAMEPIPE_TSAN)
    message(FATAL_ERROR "FRAMEPIPE_SANITIZE (ASan) and FRAMEPIPE_TSAN cannot be combined")
  endif()
  if(FRAMEPIPE_SANITIZE)
    set(flags -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  elseif(FRAMEPIPE_TSAN)
    set(flags -fsanitize=thread -fno-omit-frame-pointer)
  else()
    return()
  endif()
  if(MSVC)
    message(FATAL_ERROR "FRAMEPIPE_SANITIZE and FRAMEPIPE_TSAN support GCC and Clang only")
  endif()
  target_compile_options(${target} PRIVATE ${flags})
  get_target_property(type ${target} TYPE)
  if(NOT type STREQUAL "OBJECT_LIBRARY")
    target_link_options(${target} PRIVATE ${flags})
  endif()
endfunction()
