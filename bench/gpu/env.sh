# Sourced by the GPU scripts: defines `attune_cli`, `attune_bench` and `attune_bge_folder`. With
# .gpu-kit and no node_modules (a GPU server, see kit.sh) they run the kit's bundles on its Node,
# unpacked once to .gpu-run/ (beside tests/, which the bge-base writer reads as ../tests), with the
# kit's Vulkan loader installed; elsewhere the npm scripts.
if [ -d .gpu-kit ] && [ ! -d node_modules ]; then
  run=$PWD/.gpu-run
  if [ ! -f "$run/unpacked" ]; then
    rm -rf "$run" && mkdir -p "$run"
    cp -r .gpu-kit/. "$run/"
    xz -dc "$run/node.xz" > "$run/node" && chmod +x "$run/node"
    gunzip -f "$run"/*.mjs.gz "$run/node_modules/webgpu/dist/linux-x64/dawn.node.gz"
    for f in "$run"/*.deb; do dpkg -x "$f" /; done
    ldconfig
    touch "$run/unpacked"
  fi
  attune_cli() { "$run/node" "$run/cli.mjs" "$@"; }
  attune_bench() { "$run/node" "$run/bench.mjs" "$@"; }
  attune_bge_folder() { "$run/node" "$run/bge-base-folder.mjs" "$@"; }
else
  attune_cli() { npm run -s cli -- "$@"; }
  attune_bench() { npm run -s bench -- "$@"; }
  attune_bge_folder() { npx tsx bench/bge-base-folder.ts "$@"; }
fi
# The container's NVIDIA Vulkan driver, where the loader does not look by itself.
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$icd" ]; then export VK_DRIVER_FILES=$icd; fi
