#!/usr/bin/env bash
# A new backend plugin from examples/plugin-template, as create-react-app makes an app:
#   bash scripts/new-plugin.sh NAME [DIR]     (DIR defaults to ./sockerless-plugin-NAME)
# NAME is kebab-case; it becomes the plugin id, the driver kind and the npm name sockerless-plugin-NAME (the
# name the daemon's loader tries for a bare `NAME` in a config's plugins).
set -euo pipefail
name="${1:-}"
if [[ ! "$name" =~ ^[a-z][a-z0-9-]*$ ]]; then
  echo "usage: bash scripts/new-plugin.sh NAME [DIR]  (NAME in kebab-case, e.g. my-cloud)" >&2
  exit 2
fi
dir="${2:-sockerless-plugin-$name}"
if [[ -e "$dir" ]]; then echo "new-plugin: $dir already exists" >&2; exit 1; fi
template="$(cd "$(dirname "$0")/../examples/plugin-template" && pwd)"
mkdir -p "$dir"
cp -R "$template/src" "$template/test" "$template/package.json" "$template/tsconfig.json" "$dir/"
# The class name from the kebab-case name: my-cloud -> MyCloud.
class="$(echo "$name" | sed -E 's/(^|-)([a-z0-9])/\U\2/g')"
find "$dir" -type f -exec sed -i -e "s/my-backend/$name/g" -e "s/MyBackend/$class/g" {} +
echo "made $dir: npm install, then npm run build && npm test; docs: docs/plugins.md"
