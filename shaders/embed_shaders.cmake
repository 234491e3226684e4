# Compiles the GLSL compute shaders of this folder to SPIR-V with glslc and embeds them in a static
# library as byte arrays, looked up by name at run time (see
# providers/local/backends/vulkan/embedded_shaders.hpp). Kernels that reduce across a workgroup
# are built twice: with subgroup operations (name + "_subgroups") and with shared memory only.
#
#   switchboard_add_shader_library(<target> SHADERS a b ... SUBGROUP_SHADERS a ...)

find_program(GLSLC glslc)
set(SWITCHBOARD_SHADER_DIR ${CMAKE_CURRENT_LIST_DIR})

function(switchboard_add_shader_library target)
  cmake_parse_arguments(ARG "" "" "SHADERS;SUBGROUP_SHADERS" ${ARGN})
  if(NOT GLSLC)
    message(FATAL_ERROR "glslc (Debian package glslc) is needed to build the Vulkan shaders")
  endif()
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/spirv)
  file(GLOB includes ${SWITCHBOARD_SHADER_DIR}/*.glsl)
  set(spirv_files)
  set(names)
  foreach(shader ${ARG_SHADERS})
    set(variants "${shader}|")
    if(shader IN_LIST ARG_SUBGROUP_SHADERS)
      list(APPEND variants "${shader}_subgroups|-DSUBGROUPS")
    endif()
    foreach(variant ${variants})
      string(REPLACE "|" ";" parts "${variant}")
      list(GET parts 0 name)
      list(LENGTH parts part_count)
      set(define "")
      if(part_count GREATER 1)
        list(GET parts 1 define)
      endif()
      set(spv ${out_dir}/${name}.spv)
      add_custom_command(OUTPUT ${spv}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${out_dir}
        COMMAND ${GLSLC} --target-env=vulkan1.2 -O ${define} ${SWITCHBOARD_SHADER_DIR}/${shader}.comp -o ${spv}
        DEPENDS ${SWITCHBOARD_SHADER_DIR}/${shader}.comp ${includes}
        COMMENT "glslc ${shader}.comp ${define}"
        VERBATIM)
      list(APPEND spirv_files ${spv})
      list(APPEND names ${name})
    endforeach()
  endforeach()
  set(source ${CMAKE_CURRENT_BINARY_DIR}/embedded_shaders.cpp)
  string(REPLACE ";" "," names_arg "${names}")
  add_custom_command(OUTPUT ${source}
    COMMAND ${CMAKE_COMMAND} -DNAMES=${names_arg} -DSPIRV_DIR=${out_dir} -DOUTPUT=${source}
            -P ${SWITCHBOARD_SHADER_DIR}/spirv_to_cpp.cmake
    DEPENDS ${spirv_files} ${SWITCHBOARD_SHADER_DIR}/spirv_to_cpp.cmake
    COMMENT "embedding SPIR-V in ${target}"
    VERBATIM)
  # The caller adds the include directory that holds backends/vulkan/embedded_shaders.hpp.
  add_library(${target} STATIC ${source})
endfunction()
