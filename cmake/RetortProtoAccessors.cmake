# retort_proto_accessors(<target> <out dir> [IMPORT_DIR <dir>] <protos...>): runs
# protoc-gen-retort on each .proto, writing <out dir>/<proto>.retort.h beside protoc's
# <proto>.pb.h there, and adds the headers to <target>. Proto paths are relative to the
# import root: IMPORT_DIR, by default the current source directory.
function(retort_proto_accessors target out_dir)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "IMPORT_DIR" "")
  set(root ${CMAKE_CURRENT_SOURCE_DIR})
  if(arg_IMPORT_DIR)
    set(root ${arg_IMPORT_DIR})
  endif()
  set(plugin $<TARGET_FILE:Retort::protoc-gen-retort>)
  foreach(proto IN LISTS arg_UNPARSED_ARGUMENTS)
    string(REGEX REPLACE "\\.proto$" ".retort.h" header "${out_dir}/${proto}")
    add_custom_command(OUTPUT ${header}
      COMMAND protobuf::protoc --plugin=protoc-gen-retort=${plugin} --retort_out=${out_dir}
        -I ${root} ${root}/${proto}
      DEPENDS ${root}/${proto} ${plugin} protobuf::protoc
      COMMENT "protoc-gen-retort ${proto}")
    target_sources(${target} PRIVATE ${header})
  endforeach()
endfunction()
