{
  "targets": [
    {
      "target_name": "vigil_native",
      "sources": ["src/vigil_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"],
      "conditions": [
        ["OS=='linux'", { "sources": ["src/rtp_stream.c"], "libraries": ["-lpthread", "-lm"] }]
      ]
    }
  ]
}
